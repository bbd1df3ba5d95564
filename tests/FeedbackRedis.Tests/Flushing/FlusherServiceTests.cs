using System.Collections.Concurrent;
using FeedbackRedis.Flushing;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Flushing;

public sealed class FlusherServiceTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BatchTime = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Real time: 300 agents' batches, opened at random moments over 3 s, each sealed only by its deadline. Lateness =
    /// when the sink wrote the batch minus its deadline (first event + batch time). A due batch waits at most one poll
    /// interval for the next round, plus the round's own Redis and sink calls.
    /// </summary>
    [Test]
    public async Task TimeTrigger_FlushLatenessOverManyBatches_StaysWithinOnePollIntervalPlusSlack()
    {
        var time = TimeProvider.System;
        var store = TestStores.Create(o => { o.BatchSize = 1_000; o.BatchTime = BatchTime; o.MaxOpenBatches = 100_000; }, time);
        var lateness = new ConcurrentBag<double>();
        var sink = new FakeSink((batches, _) =>
        {
            var now = time.GetUtcNow();
            foreach (var batch in batches)
            {
                lateness.Add((now - (batch.Claim.OpenedAt + BatchTime)).TotalMilliseconds);
            }

            return Task.FromResult(FakeSink.AllWritten(batches));
        });
        var options = Options.Create(new FlusherOptions { PollInterval = Poll });
        var flusher = new BatchFlusher(store, sink, new RecordingPublisher(), options, new FlusherIdentity("lateness"), time, NullLogger<BatchFlusher>.Instance, TestMetrics.Flusher());
        using var service = new FlusherService(flusher, sink, options, time, NullLogger<FlusherService>.Instance);
        const int agents = 300;
        var random = new Random(7);
        var opens = Enumerable.Range(0, agents).Select(a => (Agent: $"agent-{a}", At: TimeSpan.FromMilliseconds(random.Next(0, 3_000)))).OrderBy(o => o.At).ToList();

        await service.StartAsync(CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (agent, at) in opens)
        {
            if (at > clock.Elapsed)
            {
                await Task.Delay(at - clock.Elapsed);
            }

            await store.AppendAsync(TestFeedback.Events(agent, 2));
        }

        await Eventually.WaitAsync(() => lateness.Count >= agents, TimeSpan.FromSeconds(30), "every batch flushed");
        await service.StopAsync(CancellationToken.None);

        var sorted = lateness.Order().ToArray();
        double p50 = sorted[(int)(0.50 * (sorted.Length - 1))], p99 = sorted[(int)(0.99 * (sorted.Length - 1))];
        TestContext.Out.WriteLine(
            $"flush lateness over {sorted.Length} batches (poll {Poll.TotalMilliseconds} ms, batch time {BatchTime.TotalMilliseconds} ms): "
            + $"p50 {p50:0} ms, p99 {p99:0} ms, max {sorted[^1]:0} ms, min {sorted[0]:0} ms");
        Assert.Multiple(() =>
        {
            Assert.That(sorted, Has.Length.EqualTo(agents), "each batch written once");
            Assert.That(sorted[0], Is.GreaterThanOrEqualTo(0), "never before the deadline");
            Assert.That(p50, Is.LessThanOrEqualTo(Poll.TotalMilliseconds), "half the batches within one poll interval");
            Assert.That(p99, Is.LessThanOrEqualTo(Poll.TotalMilliseconds + 250), "p99 within one poll interval plus 250 ms of slack (loaded 2-core machine)");
        });
    }

    [Test]
    public async Task Service_PreparesTheSinkFirst_ThenFlushesOnEveryTick_AndStopsCleanly()
    {
        var time = TimeProvider.System;
        var store = TestStores.Create(o => o.BatchSize = 2, time);
        var sink = new FakeSink();
        var options = Options.Create(new FlusherOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        var flusher = new BatchFlusher(store, sink, new RecordingPublisher(), options, new FlusherIdentity("svc"), time, NullLogger<BatchFlusher>.Instance, TestMetrics.Flusher());
        using var service = new FlusherService(flusher, sink, options, time, NullLogger<FlusherService>.Instance);

        await service.StartAsync(CancellationToken.None);
        await store.AppendAsync(TestFeedback.Events("agent-1", 2));
        await Eventually.WaitAsync(() => sink.Written.Count == 1, TimeSpan.FromSeconds(10), "first batch written");
        await store.AppendAsync(TestFeedback.Events("agent-2", 2));
        await Eventually.WaitAsync(() => sink.Written.Count == 2, TimeSpan.FromSeconds(10), "second batch written on a later tick");
        await service.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(sink.Prepared, Is.EqualTo(1));
            Assert.That(service.ExecuteTask!.IsCompletedSuccessfully, Is.True);
        });
        Assert.That((await store.GetCountsAsync()).PendingEvents, Is.Zero);
    }
}
