using FeedbackRedis.Flushing;

namespace FeedbackRedis.Tests.Flushing;

[Category(TestCategories.Unit)]
public sealed class FlusherOptionsValidatorTests
{
    [Test]
    public void Defaults_AreValid() =>
        Assert.That(new FlusherOptionsValidator().Validate(null, new FlusherOptions()).Succeeded, Is.True);

    [Test]
    public void ZeroPollInterval_FailsNamingTheEnvironmentVariable()
    {
        var result = new FlusherOptionsValidator().Validate(null, new FlusherOptions { PollInterval = TimeSpan.Zero });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_FLUSH_POLL_MS (Feedback:Flusher:PollInterval) is 0 ms; allowed: 10 ms to 60,000 ms"));
    }

    [Test]
    public void RetryMaxBelowRetryBase_Fails()
    {
        var result = new FlusherOptionsValidator().Validate(null, new FlusherOptions { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromSeconds(5) });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_FLUSH_RETRY_MAX_MS").And.Contain("at least RetryBaseDelay"));
    }

    [Test]
    public void TooManyWriteEvents_Fails()
    {
        var result = new FlusherOptionsValidator().Validate(null, new FlusherOptions { MaxWriteEvents = 100_001 });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_FLUSH_MAX_WRITE_EVENTS"));
    }

    [Test]
    public void AnnouncementLimitBelowLibrdkafkasMinimum_Fails() =>
        Assert.That(
            new FlusherOptionsValidator().Validate(null, new FlusherOptions { AnnouncementMaxBytes = 999 }).FailureMessage,
            Does.Contain("Feedback:Flusher:AnnouncementMaxBytes is 999; allowed: 1,000 to 1,000,000,000"));
}
