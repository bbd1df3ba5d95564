using FeedbackRedis.Batching;

namespace FeedbackRedis.Tests.Batching;

[Category(TestCategories.Unit)]
public sealed class BatchingOptionsValidatorTests
{
    private static readonly BatchingOptionsValidator Validator = new();

    [Test]
    public void The_defaults_are_valid_and_wait_for_no_replica()
    {
        var defaults = new BatchingOptions();

        Assert.Multiple(() =>
        {
            Assert.That(Validator.Validate(null, defaults).Succeeded, Is.True);
            Assert.That(defaults.WaitReplicas, Is.Zero);
            Assert.That(defaults.WaitTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [TestCase(0)]
    [TestCase(16)]
    public void Wait_replicas_at_the_ends_of_its_range_is_valid(int replicas)
    {
        Assert.That(Validator.Validate(null, new BatchingOptions { WaitReplicas = replicas }).Succeeded, Is.True);
    }

    [TestCase(-1, "FEEDBACK_REDIS_WAIT_REPLICAS (Feedback:Batching:WaitReplicas) is -1; allowed: 0 to 16.")]
    [TestCase(17, "FEEDBACK_REDIS_WAIT_REPLICAS (Feedback:Batching:WaitReplicas) is 17; allowed: 0 to 16.")]
    public void Wait_replicas_out_of_range_names_the_variable_value_and_range(int replicas, string expected)
    {
        var result = Validator.Validate(null, new BatchingOptions { WaitReplicas = replicas });

        Assert.That(result.Failures, Is.EqualTo(new[] { expected }));
    }

    [TestCase(10)]
    [TestCase(60_000)]
    public void Wait_timeout_at_the_ends_of_its_range_is_valid(int ms)
    {
        Assert.That(Validator.Validate(null, new BatchingOptions { WaitTimeout = TimeSpan.FromMilliseconds(ms) }).Succeeded, Is.True);
    }

    [TestCase(9, "FEEDBACK_REDIS_WAIT_TIMEOUT_MS (Feedback:Batching:WaitTimeout) is 9 ms; allowed: 10 ms to 60,000 ms.")]
    [TestCase(60_001, "FEEDBACK_REDIS_WAIT_TIMEOUT_MS (Feedback:Batching:WaitTimeout) is 60001 ms; allowed: 10 ms to 60,000 ms.")]
    public void Wait_timeout_out_of_range_names_the_variable_value_and_range(int ms, string expected)
    {
        var result = Validator.Validate(null, new BatchingOptions { WaitTimeout = TimeSpan.FromMilliseconds(ms) });

        Assert.That(result.Failures, Is.EqualTo(new[] { expected }));
    }
}
