using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class ConsumerOptionsValidatorTests
{
    private static readonly ConsumerOptionsValidator Validator = new();

    [Test]
    public void Defaults_AreValid()
    {
        Assert.That(Validator.Validate(null, new ConsumerOptions()).Succeeded, Is.True);
    }

    [Test]
    public void LowWater_NotBelowHighWater_IsRefusedNamingBothSettings()
    {
        var result = Validator.Validate(null, new ConsumerOptions { PendingHighWater = 100, PendingLowWater = 100 });

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_PENDING_LOW_WATER").And.Contain("FEEDBACK_PENDING_HIGH_WATER"));
    }

    [Test]
    public void OutOfRange_IsRefused_NamingTheEnvironmentVariable()
    {
        var result = Validator.Validate(null, new ConsumerOptions
        {
            MaxBatch = 0,
            MaxWait = TimeSpan.Zero,
            CommitSafety = TimeSpan.FromMinutes(5),
            SessionTimeout = TimeSpan.FromSeconds(1),
        });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_CONSUMER_MAX_BATCH")
            .And.Contain("FEEDBACK_CONSUMER_MAX_WAIT_MS")
            .And.Contain("FEEDBACK_COMMIT_SAFETY_MS")
            .And.Contain("FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS"));
    }
}
