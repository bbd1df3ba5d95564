using FeedbackRedis.Hosting.Health;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
[Category(TestCategories.Unit)]
public sealed class ConsumerProgressTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ConsumerProgress _progress;
    private readonly ConsumerProgressHealthCheck _check;

    public ConsumerProgressTests()
    {
        _progress = new ConsumerProgress(_time, new ConsumerOptions { StuckAfter = TimeSpan.FromMinutes(2) });
        _check = new ConsumerProgressHealthCheck(_progress);
    }

    private async Task<HealthStatus> LiveAsync() => (await _check.CheckHealthAsync(new HealthCheckContext())).Status;

    [Test]
    public async Task MessagesHeld_WithoutProgressPastTheLimit_MakeTheConsumerNotLive()
    {
        _progress.Held(3, PauseReasons.Retrying, "InvalidOperationException: injected");
        _time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromMilliseconds(1));
        var before = await LiveAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _progress.Held(3, PauseReasons.Retrying);

        Assert.Multiple(async () =>
        {
            Assert.That(before, Is.EqualTo(HealthStatus.Healthy), "one tick before the limit");
            Assert.That(await LiveAsync(), Is.EqualTo(HealthStatus.Unhealthy), "at the limit");
            Assert.That(_progress.Stuck(), Does.Contain("3 message(s) held for 120 s").And.Contain("injected"));
        });
    }

    [TestCase(PauseReasons.RedisUnavailable)]
    [TestCase(PauseReasons.DeadLetterUnavailable)]
    [TestCase(PauseReasons.HighWater)]
    [TestCase(PauseReasons.RedisUnavailable | PauseReasons.Retrying)]
    public async Task PausedConsumer_ForAReasonOutsideIt_StaysLiveHoweverLongItWaits(PauseReasons reasons)
    {
        _progress.Held(500, reasons);
        _time.Advance(TimeSpan.FromHours(3));
        _progress.Held(500, reasons);

        Assert.That(await LiveAsync(), Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public async Task Progress_ResetsTheClock()
    {
        _progress.Held(1, PauseReasons.None);
        _time.Advance(TimeSpan.FromMinutes(1.5));
        _progress.Moved();
        _progress.Held(1, PauseReasons.None);
        _time.Advance(TimeSpan.FromMinutes(1.5));

        Assert.Multiple(async () =>
        {
            Assert.That(await LiveAsync(), Is.EqualTo(HealthStatus.Healthy), "90 s since the last progress, not 180");
            Assert.That(_progress.HeldFor, Is.EqualTo(TimeSpan.FromMinutes(1.5)));
        });
    }

    [Test]
    public async Task NothingHeld_IsLive()
    {
        _time.Advance(TimeSpan.FromDays(1));

        Assert.That(await LiveAsync(), Is.EqualTo(HealthStatus.Healthy));
        Assert.That(_progress.HeldFor, Is.EqualTo(TimeSpan.Zero));
    }
}
