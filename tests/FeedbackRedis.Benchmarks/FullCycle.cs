using System.Diagnostics;
using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// The whole life cycle on one Redis, as the service runs it: the <see cref="AppendLoad"/> appended while <c>--claimers</c> flusher loops run the due scan, claim and ack (no sink: the ack follows the
/// claim at once). Batch size 50 (<c>--batch-size</c>), batch time 500 ms. Ends when every event was acked; checks each was acked once and
/// that nothing, not even a guarded id, is left. Prints <c>cycle_events_per_second=N</c> (appended to acked).
/// </summary>
internal static class FullCycle
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        int claimers = args.Number("claimers", 2, 1, 64);
        using var load = await AppendLoad.CreateAsync(args, BatchTime);
        CycleRun run;
        try
        {
            run = await MeasureAsync(load, claimers, TimeSpan.FromMinutes(10));
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cycled {run.Events} events ({load.Agents} agents, mode {load.Mode}, {load.Concurrency} appenders x {load.Chunk}, {claimers} claimers): appended in {run.AppendSeconds:0.00} s, all acked after {run.Seconds:0.00} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cycle_events_per_second={run.EventsPerSecond:0}"));
        return 0;
    }

    /// <summary>The batch time of the cycle: batches that do not fill seal by time, as in the service.</summary>
    public static TimeSpan BatchTime => TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// One measured cycle of the whole load (the load must have been made with <see cref="BatchTime"/>), bounded by
    /// <paramref name="timeout"/> in all; with the server's time (commandstats) of all of it.
    /// </summary>
    /// <exception cref="InvalidOperationException">An event was not acked exactly once, or the time ran out.</exception>
    public static async Task<CycleRun> MeasureAsync(AppendLoad load, int claimers, TimeSpan timeout)
    {
        var store = load.Store;
        int count = load.Events.Length;
        await RedisStats.ResetAsync(load.Redis);

        long acked = 0;
        long claims = 0;
        var clock = Stopwatch.StartNew();
        var appenders = load.AppendAllAsync();
        using var stop = new CancellationTokenSource();
        var flushers = Enumerable.Range(0, claimers).Select(i => Task.Run(async () =>
        {
            string owner = $"bench-flusher-{i}";
            while (Interlocked.Read(ref acked) < count && !stop.IsCancellationRequested)
            {
                await store.SealDueAsync();
                var claimed = await store.ClaimAsync(owner, 100, 5_000);
                if (claimed.Count == 0)
                {
                    await Task.Delay(5);
                    continue;
                }

                Interlocked.Increment(ref claims);
                var acks = await Task.WhenAll(claimed.Select(b => store.AckAsync(b)));
                if (acks.Any(ok => !ok))
                {
                    throw new InvalidOperationException("an ack lost its lease: leases are 30 s, this should not happen");
                }

                Interlocked.Add(ref acked, claimed.Sum(b => b.Items.Count));
            }
        })).ToList();

        var drain = Task.WhenAll(flushers);
        var all = Task.WhenAll(appenders, drain);
        if (await Task.WhenAny(all, Task.Delay(timeout)) != all)
        {
            await stop.CancelAsync();
            await drain;
            throw new InvalidOperationException($"{Interlocked.Read(ref acked)} of {count} events acked after {timeout.TotalSeconds:0} s");
        }

        await all;
        clock.Stop();
        double appendSeconds = load.LastAppendSeconds;
        var commands = await RedisStats.CommandsAsync(load.Redis);
        var counts = await store.GetCountsAsync();
        if (Interlocked.Read(ref acked) != count || counts.PendingEvents != 0 || counts.GuardedIds != 0)
        {
            throw new InvalidOperationException($"acked {acked} of {count}; pending {counts.PendingEvents}, guarded ids {counts.GuardedIds}");
        }

        return new CycleRun(count, appendSeconds, clock.Elapsed.TotalSeconds, claims, commands);
    }
}

/// <summary>One measured cycle: events appended to acked, and the server's time for all of it.</summary>
internal sealed record CycleRun(int Events, double AppendSeconds, double Seconds, long Claims, CommandStats Commands)
{
    public double EventsPerSecond => Events / Seconds;

    public double ScriptMicrosPerEvent => Commands.ScriptUsec / (double)Events;
}
