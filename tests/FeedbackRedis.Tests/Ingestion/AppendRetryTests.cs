using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class AppendRetryTests
{
    [Test]
    public async Task Append_StoreUnavailable_RetriesWithGrowingJitteredDelaysThenGivesUp()
    {
        var time = new FakeTimeProvider();
        var delays = new List<TimeSpan>();
        var pipeline = AppendRetry.Create(time, (_, _, delay) => delays.Add(delay));
        int attempts = 0;

        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new BatchStoreUnavailableException("down");
        }).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Yield();
        }

        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => run);
        Assert.That(attempts, Is.EqualTo(1 + AppendRetry.MaxRetryAttempts));
        Assert.That(delays, Has.Count.EqualTo(AppendRetry.MaxRetryAttempts));
        Assert.That(delays, Has.All.InRange(TimeSpan.Zero, TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task Delays_DespiteTheJitter_GrowOnAverage()
    {
        // One run's jittered delays may shrink; over 40 runs the mean of the last retry is well above the first's.
        var first = new List<double>();
        var last = new List<double>();
        for (int run = 0; run < 40; run++)
        {
            var time = new FakeTimeProvider();
            var delays = new List<TimeSpan>();
            var pipeline = AppendRetry.Create(time, (_, _, delay) => delays.Add(delay));
            var task = pipeline.ExecuteAsync(_ => throw new BatchStoreUnavailableException("down")).AsTask();
            while (!task.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
                await Task.Yield();
            }

            await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => task);
            first.Add(delays[0].TotalMilliseconds);
            last.Add(delays[^1].TotalMilliseconds);
        }

        Assert.That(last.Average(), Is.GreaterThan(2 * first.Average()), "exponential: later delays are longer on average");
    }

    [Test]
    public async Task Append_StoreComesBack_Succeeds()
    {
        var time = new FakeTimeProvider();
        var pipeline = AppendRetry.Create(time, (_, _, _) => { });
        int attempts = 0;

        var run = pipeline.ExecuteAsync(_ => ++attempts < 3 ? throw new BatchStoreUnavailableException("down") : ValueTask.FromResult(attempts)).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Yield();
        }

        Assert.That(await run, Is.EqualTo(3));
    }

    [Test]
    public async Task Append_OtherFailures_AreNotRetried()
    {
        var pipeline = AppendRetry.Create(new FakeTimeProvider(), (_, _, _) => Assert.Fail("no retry expected"));
        int attempts = 0;

        await Assert.ThrowsAsync<InvalidBatchEventException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new InvalidBatchEventException(InvalidEventReason.InvalidAgentId, 0, "bad");
        }));
        Assert.That(attempts, Is.EqualTo(1));
    }
}
