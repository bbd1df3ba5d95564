using System.Diagnostics;
using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// Append throughput: the <see cref="AppendLoad"/> appended with batches sealing at the default size (50) and a batch
/// time of an hour (nothing seals by time, nothing is flushed). Prints one machine-readable line:
/// <c>append_events_per_second=N</c>.
/// </summary>
internal static class AppendThroughput
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        using var load = await AppendLoad.CreateAsync(args, TimeSpan.FromHours(1));
        var (store, events) = (load.Store, load.Events);

        // Warm up: scripts loaded, connection and JIT hot.
        await store.AppendAsync(events[..Math.Min(5_000, events.Length)]);
        await load.Redis.GetServers()[0].FlushDatabaseAsync();

        var clock = Stopwatch.StartNew();
        await load.AppendAllAsync();
        clock.Stop();

        var counts = await store.GetCountsAsync();
        if (counts.PendingEvents != events.Length)
        {
            Console.Error.WriteLine($"error: {counts.PendingEvents} events pending after appending {events.Length}");
            return 1;
        }

        double rate = events.Length / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"appended {events.Length} events ({load.Agents} agents, {load.Concurrency} callers x {load.Chunk}/call, mode {load.Mode}, ~{BenchEvents.AverageItemBytes(events):0} B items) in {clock.Elapsed.TotalSeconds:0.00} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"append_events_per_second={rate:0}"));
        return 0;
    }
}
