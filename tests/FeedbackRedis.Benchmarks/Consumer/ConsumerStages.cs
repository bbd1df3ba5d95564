using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Benchmarks.Consumer;

/// <summary>
/// Where a consumer's time goes, stage by stage, in this process: classification (parse + normalised item) alone, then
/// the engine's append of the same events in micro-batches of --batch (one append at a time, or two overlapping), against a private
/// redis-server. Arguments: --events N --agents N --batch N [--mode agent|hybrid] [--batch-size N] [--inflight 1|2].
/// </summary>
internal static class ConsumerStages
{
    public static async Task<int> RunAsync(string[] args)
    {
        int events = Arg(args, "--events", 240_000);
        int agents = Arg(args, "--agents", 1_000);
        int batch = Arg(args, "--batch", 500);
        string mode = ArgText(args, "--mode", "hybrid");
        int batchSize = Arg(args, "--batch-size", 50);
        int inflight = Arg(args, "--inflight", 1);
        var classifier = new EventClassifier(new FeedbackTopics("reply", "reaction"), 65_536, new FeedbackRedis.Kafka.SourceIdentity("bench"));
        var values = Enumerable.Range(0, events).Select(n => JsonSerializer.SerializeToUtf8Bytes(new
        {
            eventId = $"b-{n}",
            agentId = $"agent-{n % agents}",
            messageId = $"m-{n}",
            conversationId = $"c-{n % 9_973}",
            userId = $"u-{n % 1_009}",
            text = $"reply number {n}, thanks",
            occurredAt = "2026-11-23T12:00:00Z",
        })).ToArray();

        var now = TimeProvider.System.GetUtcNow();
        var window = new AppendEvent[batch]; // as in the consumer: results live for one micro-batch only
        for (int round = 0; round < 4; round++) // the first rounds warm the JIT up
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            for (int n = 0; n < events; n++)
            {
                window[n % batch] = classifier.Classify(new IncomingMessage("reply", n % 16, n, values[n]), now).Event!;
            }

            double perEvent = (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / events;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"classify (round {round + 1}): {events / clock.Elapsed.TotalSeconds:N0} events/s on one thread, {perEvent:N0} bytes allocated per event"));
        }

        var accepted = values.Select((v, n) => classifier.Classify(new IncomingMessage("reply", n % 16, n, v), now).Event!).ToArray();
        await using var redis = await BenchRedis.StartAsync();
        for (int round = 0; round < 2; round++)
        {
            var store = new RedisBatchStore(redis.Connection, Options.Create(new BatchingOptions
            {
                KeyPrefix = $"stages{round}",
                Mode = mode == "agent" ? BatchingMode.Agent : BatchingMode.Hybrid,
                BatchSize = batchSize,
                MaxOpenBatches = 100_000,
            }), TimeProvider.System, new StoreMetrics(BenchEvents.Meters));
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            Task? previous = null;
            for (int from = 0; from < events; from += batch)
            {
                var append = store.AppendAsync(new ArraySegment<AppendEvent>(accepted, from, Math.Min(batch, events - from)));
                if (inflight == 1)
                {
                    await append;
                }
                else
                {
                    if (previous is not null)
                    {
                        await previous;
                    }

                    previous = append;
                }
            }

            if (previous is not null)
            {
                await previous;
            }

            double rate = events / clock.Elapsed.TotalSeconds;
            // Every thread of the process (the Redis client's included): what the append path allocates per event.
            double appendBytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / events;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"append (round {round + 1}, {mode}, batch size {batchSize}, micro-batches of {batch}, {inflight} in flight): {rate:N0} events/s, {appendBytes:N0} bytes allocated per event"));
            await redis.Connection.GetServers()[0].FlushAllDatabasesAsync();
        }

        return 0;
    }

    private static int Arg(string[] args, string name, int fallback) =>
        int.Parse(ArgText(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string ArgText(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
