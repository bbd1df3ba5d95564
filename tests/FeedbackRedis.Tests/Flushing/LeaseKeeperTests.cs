using FeedbackRedis.Batching;
using FeedbackRedis.Flushing;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Flushing;

public sealed class LeaseKeeperTests
{
    [Test]
    public async Task Keeper_RenewsEveryThirdOfTheLease_AndTheLeaseStaysHeld()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 2; o.LeaseDuration = TimeSpan.FromSeconds(30); }, time);
        await store.AppendAsync(TestFeedback.Events("agent-1", 2));
        var claim = (await store.ClaimAsync("a", 10, 100)).Single();
        await using var keeper = LeaseKeeper.Start(store, [claim.Lease], TimeSpan.FromSeconds(30), time.GetTimestamp(), time, NullLogger.Instance);

        for (int i = 1; i <= 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await Eventually.WaitAsync(() => keeper.Renewals >= i, TimeSpan.FromSeconds(10), $"renewal {i}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(keeper.LeaseLost.IsCancellationRequested, Is.False, "40 s into a 30 s lease, still held");
            Assert.That(keeper.Renewals, Is.EqualTo(4));
        });
        Assert.That(await store.AckAsync(claim), Is.True);
    }

    [Test]
    public async Task Keeper_SignalsLeaseLost_WhenARenewalFindsTheBatchTakenOver()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => o.BatchSize = 2, time);
        await store.AppendAsync(TestFeedback.Events("agent-1", 2));
        var claim = (await store.ClaimAsync("a", 10, 100)).Single();
        await using var keeper = LeaseKeeper.Start(store, [claim.Lease], store.Options.LeaseDuration, time.GetTimestamp(), time, NullLogger.Instance);
        Assert.That(await store.ReleaseAsync(claim.Lease, ReleaseMode.Return, "test: taken over"), Is.EqualTo(ReleaseOutcome.Ready));
        Assert.That(await store.ClaimAsync("b", 10, 100), Has.Count.EqualTo(1));

        time.Advance(store.Options.LeaseDuration / 3);

        await Eventually.WaitAsync(() => keeper.LeaseLost.IsCancellationRequested, TimeSpan.FromSeconds(10), "lease lost signalled");
        Assert.That(keeper.Renewals, Is.Zero);
    }

    [Test]
    public async Task Keeper_SignalsLeaseLost_WhenNoRenewalSucceededFor80PercentOfTheLease()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 2; o.LeaseDuration = TimeSpan.FromSeconds(30); }, time);
        await store.AppendAsync(TestFeedback.Events("agent-1", 2));
        var claim = (await store.ClaimAsync("a", 10, 100)).Single();
        await using var keeper = LeaseKeeper.Start(store, [claim.Lease], TimeSpan.FromSeconds(30), time.GetTimestamp(), time, NullLogger.Instance);

        time.Advance(TimeSpan.FromSeconds(23));
        bool heldAt23 = !keeper.LeaseLost.IsCancellationRequested;
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(heldAt23, Is.True);
            Assert.That(keeper.LeaseLost.IsCancellationRequested, Is.True, "a stall of 24 s (80 % of 30 s) gives up before the lease expires");
        });
    }
}
