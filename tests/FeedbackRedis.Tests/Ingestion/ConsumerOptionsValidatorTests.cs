using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class ConsumerOptionsValidatorTests
{
    private static readonly ConsumerOptionsValidator Validator = new();

    [Test]
    public void The_defaults_are_valid()
    {
        Assert.That(Validator.Validate(null, new ConsumerOptions()).Succeeded, Is.True);
    }

    [Test]
    public void Low_water_must_be_below_high_water_and_the_message_names_both_settings()
    {
        var result = Validator.Validate(null, new ConsumerOptions { PendingHighWater = 100, PendingLowWater = 100 });

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_PENDING_LOW_WATER").And.Contain("FEEDBACK_PENDING_HIGH_WATER"));
    }

    [Test]
    public void Out_of_range_settings_are_named_with_their_environment_variable()
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
