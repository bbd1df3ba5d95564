using FeedbackRedis.Batching;

namespace FeedbackRedis.Tests.Batching;

[Category(TestCategories.Unit)]
public sealed class BatchingOptionsValidatorTests
{
    private static readonly BatchingOptionsValidator Validator = new();

    [Test]
    public void Defaults_AreValid_AndWaitForNoReplica()
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
    public void WaitReplicas_AtTheEndsOfItsRange_IsValid(int replicas)
    {
        Assert.That(Validator.Validate(null, new BatchingOptions { WaitReplicas = replicas }).Succeeded, Is.True);
    }

    [TestCase(-1, "FEEDBACK_REDIS_WAIT_REPLICAS (Feedback:Batching:WaitReplicas) is -1; allowed: 0 to 16.")]
    [TestCase(17, "FEEDBACK_REDIS_WAIT_REPLICAS (Feedback:Batching:WaitReplicas) is 17; allowed: 0 to 16.")]
    public void WaitReplicas_OutOfRange_NamesTheVariableValueAndRange(int replicas, string expected)
    {
        var result = Validator.Validate(null, new BatchingOptions { WaitReplicas = replicas });

        Assert.That(result.Failures, Is.EqualTo(new[] { expected }));
    }

    [TestCase(10)]
    [TestCase(60_000)]
    public void WaitTimeout_AtTheEndsOfItsRange_IsValid(int ms)
    {
        Assert.That(Validator.Validate(null, new BatchingOptions { WaitTimeout = TimeSpan.FromMilliseconds(ms) }).Succeeded, Is.True);
    }

    [TestCase(9, "FEEDBACK_REDIS_WAIT_TIMEOUT_MS (Feedback:Batching:WaitTimeout) is 9 ms; allowed: 10 ms to 60,000 ms.")]
    [TestCase(60_001, "FEEDBACK_REDIS_WAIT_TIMEOUT_MS (Feedback:Batching:WaitTimeout) is 60001 ms; allowed: 10 ms to 60,000 ms.")]
    public void WaitTimeout_OutOfRange_NamesTheVariableValueAndRange(int ms, string expected)
    {
        var result = Validator.Validate(null, new BatchingOptions { WaitTimeout = TimeSpan.FromMilliseconds(ms) });

        Assert.That(result.Failures, Is.EqualTo(new[] { expected }));
    }
}
