using FeedbackRedis.Flushing;

namespace FeedbackRedis.Tests.Flushing;

[Category(TestCategories.Unit)]
public sealed class RetryBackoffTests
{
    [TestCase(1, 0.0, 500)]
    [TestCase(1, 1.0, 1_000)]
    [TestCase(2, 0.0, 1_000)]
    [TestCase(3, 0.5, 3_000)]
    [TestCase(6, 1.0, 30_000)]
    [TestCase(50, 0.0, 15_000)]
    public void Delay_DoublesPerFailure_WithEqualJitter_UpToTheMaximum(int failures, double random, int expectedMs)
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), () => random);

        Assert.That(backoff.Delay(failures), Is.EqualTo(TimeSpan.FromMilliseconds(expectedMs)));
    }
}
