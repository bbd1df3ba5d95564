using System.Diagnostics;
using System.Globalization;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// Append throughput: <c>--events</c> events over <c>--agents</c> agents, appended by <c>--concurrency</c> callers in
/// calls of <c>--chunk</c> events (as the consumer appends one micro-batch), with batches sealing at the default size
/// (50). Prints one machine-readable line: <c>append_events_per_second=N</c>.
/// </summary>
internal static class AppendThroughput
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        string endpoint = args.Text("redis", "127.0.0.1:6379");
        int count = args.Number("events", 1_000_000, 1_000, 5_000_000);
        int agents = args.Number("agents", 10_000, 1, 1_000_000);
        int concurrency = args.Number("concurrency", 4, 1, 64);
        int chunk = args.Number("chunk", 500, 1, 10_000);
        int itemBytes = args.Number("item-bytes", 250, 64, 65_536);
        string mode = args.Text("mode", "agent");

        var events = BenchEvents.Make(count, agents, itemBytes);
        using var redis = BenchEvents.Connect(endpoint);
        await redis.GetServers()[0].FlushDatabaseAsync();
        var store = BenchEvents.Store(redis, new BatchingOptions
        {
            KeyPrefix = "bench",
            Mode = Enum.Parse<BatchingMode>(mode, ignoreCase: true),
            MaxOpenBatches = 10_000_000,
            BatchTime = TimeSpan.FromHours(1),
        });

        // Warm up: scripts loaded, connection and JIT hot.
        await store.AppendAsync(events[..Math.Min(5_000, count)]);
        await redis.GetServers()[0].FlushDatabaseAsync();

        int next = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                int from = Interlocked.Add(ref next, chunk) - chunk;
                if (from >= count)
                {
                    return;
                }

                await store.AppendAsync(new ArraySegment<BatchEvent>(events, from, Math.Min(chunk, count - from)));
            }
        }));
        await Task.WhenAll(workers);
        clock.Stop();

        var counts = await store.GetCountsAsync();
        if (counts.PendingEvents != count)
        {
            Console.Error.WriteLine($"error: {counts.PendingEvents} events pending after appending {count}");
            return 1;
        }

        double rate = count / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"appended {count} events ({agents} agents, {concurrency} callers x {chunk}/call, mode {mode}, ~{BenchEvents.AverageItemBytes(events):0} B items) in {clock.Elapsed.TotalSeconds:0.00} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"append_events_per_second={rate:0}"));
        return 0;
    }
}
