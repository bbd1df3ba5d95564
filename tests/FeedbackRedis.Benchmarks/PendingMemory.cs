using System.Globalization;
using FeedbackRedis.Batching;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// Redis memory per pending event: used_memory before and after appending <c>--events</c> events into open batches
/// (nothing sealed: the batch size is larger than any agent's share), divided by the count, against the item size.
/// Prints <c>bytes_per_pending_event=N</c> and <c>item_bytes=N</c>.
/// </summary>
internal static class PendingMemory
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        string endpoint = args.Text("redis", "127.0.0.1:6379");
        int count = args.Number("events", 200_000, 1_000, 2_000_000);
        int agents = args.Number("agents", 5_000, 1, 1_000_000);
        int itemBytes = args.Number("item-bytes", 200, 64, 65_536);

        var events = BenchEvents.Make(count, agents, itemBytes);
        using var redis = BenchEvents.Connect(endpoint);
        var server = redis.GetServers()[0];
        await server.FlushDatabaseAsync();
        var store = BenchEvents.Store(redis, new BatchingOptions
        {
            KeyPrefix = "bench",
            Mode = BatchingMode.Agent,
            BatchSize = 100_000,
            MaxOpenBatches = 10_000_000,
            BatchTime = TimeSpan.FromHours(1),
        });

        long before = await UsedMemoryAsync(server);
        for (int from = 0; from < count; from += 500)
        {
            await store.AppendAsync(new ArraySegment<AppendEvent>(events, from, Math.Min(500, count - from)));
        }

        long after = await UsedMemoryAsync(server);
        double perEvent = (after - before) / (double)count;
        double item = BenchEvents.AverageItemBytes(events);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} pending events over {agents} agents: {after - before:N0} bytes of Redis memory"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bytes_per_pending_event={perEvent:0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"item_bytes={item:0}"));
        return 0;
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        var info = await server.InfoAsync("memory");
        var value = info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value;
        return long.Parse(value, CultureInfo.InvariantCulture);
    }
}
