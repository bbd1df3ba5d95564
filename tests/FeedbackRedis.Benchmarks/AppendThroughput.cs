using System.Diagnostics;
using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// Append throughput: the <see cref="AppendLoad"/> appended with batches sealing at their size (default 50) and a batch
/// time of an hour (nothing seals by time, nothing is flushed). Prints one machine-readable line:
/// <c>append_events_per_second=N</c>.
/// </summary>
internal static class AppendThroughput
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        using var load = await AppendLoad.CreateAsync(args, TimeSpan.FromHours(1));
        AppendRun run;
        try
        {
            run = await MeasureAsync(load, TimeSpan.FromMinutes(10));
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"appended {load.Events.Length} events ({load.Agents} agents, {load.Concurrency} callers x {load.Chunk}/call, mode {load.Mode}, ~{BenchEvents.AverageItemBytes(load.Events):0} B items) in {run.Seconds:0.00} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"append_events_per_second={run.EventsPerSecond:0}"));
        return 0;
    }

    /// <summary>
    /// One measured append of the whole load into a flushed Redis (after a warm-up), bounded by <paramref name="timeout"/>;
    /// with the server's time per event (commandstats) and the memory the appended events hold (used_memory after minus
    /// before, over the events).
    /// </summary>
    /// <exception cref="InvalidOperationException">Redis does not count exactly the events appended, or the time ran out.</exception>
    public static async Task<AppendRun> MeasureAsync(AppendLoad load, TimeSpan timeout)
    {
        var (store, events) = (load.Store, load.Events);

        // Warm up: scripts loaded, connection and JIT hot.
        await store.AppendAsync(events[..Math.Min(5_000, events.Length)]);
        await RedisStats.FlushAsync(load.Redis);
        long before = await RedisStats.UsedMemoryAsync(load.Redis);
        await RedisStats.ResetAsync(load.Redis);

        var clock = Stopwatch.StartNew();
        try
        {
            await load.AppendAllAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the append of {events.Length} events did not end within {timeout.TotalSeconds:0} s");
        }

        clock.Stop();
        var commands = await RedisStats.CommandsAsync(load.Redis);
        long after = await RedisStats.UsedMemoryAsync(load.Redis);
        var counts = await store.GetCountsAsync();
        if (counts.PendingEvents != events.Length)
        {
            throw new InvalidOperationException($"{counts.PendingEvents} events pending after appending {events.Length}");
        }

        return new AppendRun(events.Length, clock.Elapsed.TotalSeconds, commands, after - before, counts.OpenBatches, counts.ReadyBatches);
    }
}

/// <summary>One measured append: its rate, the server's time, and the memory its events hold.</summary>
internal sealed record AppendRun(int Events, double Seconds, CommandStats Commands, long MemoryBytes, long OpenBatches, long ReadyBatches)
{
    public double EventsPerSecond => Events / Seconds;

    /// <summary>Server time inside scripts per event (all masters).</summary>
    public double ScriptMicrosPerEvent => Commands.ScriptUsec / (double)Events;

    public double BytesPerEvent => MemoryBytes / (double)Events;
}
