using System.Collections.Concurrent;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// A sink that refuses everything (a validator deployed by mistake): the flusher parks every batch dead, and dead
/// events are not pending, so without a dead-work mark the consumers would keep taking Kafka into Redis until it is
/// full. The "flusher" here is the engine's own claim and release, as BatchFlusher calls them on a permanent refusal.
/// </summary>
public sealed class DeadWorkBackpressureTests
{
    private const int Events = 20_000;
    private const int DeadHighWater = 500;
    private const int FirstPart = Events / 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task SinkRefusingEverything_PausesTheConsumerAtTheDeadMark_AndABulkReplayThenDrainsEverything()
    {
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 3);
        // The first tenth before the consumer starts, the rest once it has paused: a consumer faster than the refusing
        // sink could otherwise take in most of the load before the first batch turns dead, and the test would measure
        // speed, not the mark.
        Produce(kafka, 0, FirstPart);
        var store = TestStores.Create(o =>
        {
            o.KeyPrefix = prefix;
            o.Clock = ClockSource.Redis;
            o.BatchSize = 50;
            o.BatchTime = TimeSpan.FromMilliseconds(200);
            o.MaxAttempts = 1;
        });
        await using var host = ConsumerHost.Create(kafka, prefix, new Dictionary<string, string?>
        {
            ["Feedback:Batching:BatchSize"] = "50",
            ["Feedback:Batching:BatchTime"] = "00:00:00.200",
            ["Feedback:Consumer:DeadHighWater"] = DeadHighWater.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Feedback:Consumer:PendingCheckInterval"] = "00:00:00.050", // the mark is read this often
        });
        var sink = new RefusingThenFixedSink(store);
        using var stop = new CancellationTokenSource();
        var flusher = sink.RunAsync(stop.Token);
        await host.StartAsync();

        await Eventually.WaitAsync(() => host.Consumer.PauseReasons.HasFlag(PauseReasons.DeadWork), Patience, () => host.LogText);
        var atPause = await store.GetCountsAsync();
        Produce(kafka, FirstPart, Events);
        await Task.Delay(TimeSpan.FromSeconds(3)); // stays paused: nothing more comes in while everything turns dead
        var paused = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            // the mark is read every 50 ms here (250 ms by default), so up to that much ingest gets in past it; after that nothing more
            Assert.That(paused.GuardedIds, Is.LessThan(Events / 2), $"Redis holds a bounded share, not all {Events:N0}: {paused}");
            Assert.That(paused.GuardedIds, Is.LessThanOrEqualTo(atPause.GuardedIds + 500), $"at most a held micro-batch after the pause: {atPause} then {paused}");
            Assert.That(paused.DeadEvents, Is.GreaterThanOrEqualTo(DeadHighWater));
            Assert.That(host.Consumer.PauseReasons.HasFlag(PauseReasons.DeadWork), Is.True, "still paused");
        });

        sink.Fixed = true;
        var replayed = await store.ReplayDeadAsync("validator", 100_000);
        Assert.That(replayed, Is.Not.Empty);
        await Eventually.WaitAsync(
            () => DrainedAsync(store, sink),
            Patience,
            () => $"acked {sink.AckedIds.Count:N0} of {Events:N0}\n{host.LogText}");

        await stop.CancelAsync();
        await flusher;
        Assert.Multiple(() =>
        {
            Assert.That(sink.AckedIds.Keys, Is.EquivalentTo(Enumerable.Range(0, Events).Select(n => $"dw-{n}")), "every event reached the sink");
            Assert.That(host.Consumer.PauseReasons.HasFlag(PauseReasons.DeadWork), Is.False, "resumed");
            Assert.That(host.LogText, Does.Match(@"Paused \d+ partitions: [a-z, -]*dead-work"));
        });
    }

    private static void Produce(KafkaTestCluster kafka, int from, int to)
    {
        for (int n = from; n < to; n++)
        {
            string kind = n % 2 == 0 ? FeedbackMessages.Reply : FeedbackMessages.Reaction;
            kafka.Produce(kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{n % 40}", $"dw-{n}", n));
        }

        kafka.Flush();
    }

    /// <summary>
    /// True once every event was acked and Redis holds nothing; meanwhile, batches the refusing sink parked after the
    /// first replay (claims it was still working on) are replayed too, as an operator would run the replay again.
    /// </summary>
    private static async Task<bool> DrainedAsync(RedisBatchStore store, RefusingThenFixedSink sink)
    {
        if (sink.AckedIds.Count == Events && (await store.GetCountsAsync()).GuardedIds == 0)
        {
            return true;
        }

        await store.ReplayDeadAsync("validator", 100_000);
        return false;
    }

    /// <summary>Claims and seals like a flusher; parks every batch dead (a validator refusing all) until fixed, then acks.</summary>
    private sealed class RefusingThenFixedSink(RedisBatchStore store)
    {
        public volatile bool Fixed;

        public ConcurrentDictionary<string, bool> AckedIds { get; } = new(StringComparer.Ordinal);

        public Task RunAsync(CancellationToken cancellationToken) => Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await store.SealDueAsync();
                    foreach (var batch in await store.ClaimAsync("refusing-flusher", 50, 5_000))
                    {
                        if (!Fixed)
                        {
                            await store.ReleaseAsync(batch.Lease, ReleaseMode.Dead, "sink refused the batch: document failed validator");
                        }
                        else if (await store.AckAsync(batch))
                        {
                            foreach (string id in batch.EventIds)
                            {
                                AckedIds[id] = true;
                            }
                        }
                    }

                    await Task.Delay(20, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);
    }
}
