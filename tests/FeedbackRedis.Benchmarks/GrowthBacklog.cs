using System.Diagnostics;
using System.Globalization;
using FeedbackRedis.Batching;
using StackExchange.Redis;
using static FeedbackRedis.Benchmarks.GrowthFigures;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// A backlog near the high-water mark (FEEDBACK_PENDING_HIGH_WATER, default 1,000,000 pending events): database 0 is
/// filled with <c>--backlog</c> events (10,000 agents, batch size 50: sealed, ready batches, their ids in the guard),
/// database 1 stays empty. Each repetition appends <c>--backlog-events</c> new events into the empty database, then as
/// many into the backlog (so the backlog grows by that much per repetition). Then each repetition fills the empty
/// database with as many events over 1,000 agents (so nearly all of them are in sealed batches of 50, as the backlog's
/// ready batches are) and drains its ready events with two claimers (claim, ack), then as many events from the backlog.
/// Same server, interleaved.
/// </summary>
internal static class GrowthBacklog
{
    public static async Task RunAsync(GrowthSettings s)
    {
        using var full = BenchEvents.Connect(s.Redis);
        using var empty = BenchEvents.Connect(s.Redis + ",defaultDatabase=1");
        var server = RedisStats.Masters(full)[0];
        await server.FlushAllDatabasesAsync();
        var options = new BatchingOptions { KeyPrefix = "bench", Mode = BatchingMode.Agent, MaxOpenBatches = 10_000_000, BatchTime = TimeSpan.FromHours(1) };
        var backlog = BenchEvents.Store(full, options);
        var fresh = BenchEvents.Store(empty, options);

        Progress($"backlog: filling {s.Backlog:N0} events");
        var fill = Stopwatch.StartNew();
        for (int from = 0, chunk = 0; from < s.Backlog; from += 100_000, chunk++)
        {
            var events = BenchEvents.Make(Math.Min(100_000, s.Backlog - from), 10_000, s.ItemBytes, seed: 1_000 + chunk, idTag: $"b{chunk}-");
            await AppendLoad.AppendAllAsync(backlog, events, 4, 500).WaitAsync(s.PointTimeout);
        }

        fill.Stop();
        var filled = await backlog.GetCountsAsync();
        long memory = long.Parse(await RedisStats.InfoFieldAsync(server, "memory", "used_memory"), CultureInfo.InvariantCulture);

        var appendEmpty = new List<double>();
        var appendFull = new List<double>();
        var drainEmpty = new List<double>();
        var drainFull = new List<double>();
        var scriptEmpty = new List<double>();
        var scriptFull = new List<double>();
        string breakdownEmpty = "", breakdownFull = "";
        for (int rep = 1; rep <= s.Repeat; rep++)
        {
            Progress($"backlog rep {rep}/{s.Repeat}");
            var events = BenchEvents.Make(s.BacklogEvents, 10_000, s.ItemBytes, seed: rep, idTag: $"r{rep}-");
            await empty.GetServers()[0].FlushDatabaseAsync(1);
            var (rate, stats) = await TimedAppendAsync(fresh, full, events, s.PointTimeout);
            appendEmpty.Add(rate);
            scriptEmpty.Add(stats.ScriptUsec / (double)events.Length);
            if (rep == 1)
            {
                breakdownEmpty = stats.Breakdown(events.Length);
            }

            (rate, stats) = await TimedAppendAsync(backlog, full, events, s.PointTimeout);
            appendFull.Add(rate);
            scriptFull.Add(stats.ScriptUsec / (double)events.Length);
            if (rep == 1)
            {
                breakdownFull = stats.Breakdown(events.Length);
            }
        }

        var atEnd = await backlog.GetCountsAsync();
        for (int rep = 1; rep <= s.Repeat; rep++)
        {
            Progress($"backlog drain rep {rep}/{s.Repeat}");
            await empty.GetServers()[0].FlushDatabaseAsync(1);
            var events = BenchEvents.Make(s.BacklogEvents, 1_000, s.ItemBytes, seed: 50 + rep, idTag: $"d{rep}-");
            await AppendLoad.AppendAllAsync(fresh, events, 4, 500).WaitAsync(s.PointTimeout);
            var counts = await fresh.GetCountsAsync();
            long ready = counts.PendingEvents - counts.OpenEvents; // batch time 1 h: the partly filled batches stay open
            drainEmpty.Add(await DrainAsync(fresh, ready, claimers: 2, s.PointTimeout));
            drainFull.Add(await DrainAsync(backlog, ready, claimers: 2, s.PointTimeout));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"### Backlog near the high-water mark: {filled.PendingEvents:N0} pending events ({filled.ReadyBatches:N0} ready and {filled.OpenBatches:N0} open batches, "
            + $"{filled.GuardedIds:N0} guarded ids, used_memory {memory / 1048576.0:N0} MiB) filled at {s.Backlog / fill.Elapsed.TotalSeconds:N0} events/s; "
            + $"{atEnd.PendingEvents:N0} pending after the appends; {s.BacklogEvents:N0} events per run, 10,000 agents, batch size 50"));
        Console.WriteLine();
        Header("run", "into an empty Redis", "into the backlog", "backlog / empty");
        Row("append events/s", Runs(appendEmpty), Runs(appendFull), Ratio(Median(appendFull), Median(appendEmpty)));
        Row("append script µs/event", Runs(scriptEmpty, "0.00"), Runs(scriptFull, "0.00"), Ratio(Median(scriptFull), Median(scriptEmpty)));
        Row("drain of ready batches of 50 (claim 100 batches / 5,000 events + ack, 2 claimers) events/s", Runs(drainEmpty), Runs(drainFull), Ratio(Median(drainFull), Median(drainEmpty)));
        Console.WriteLine();
        Console.WriteLine($"- append into an empty Redis, commands per event: {breakdownEmpty}");
        Console.WriteLine($"- append into the backlog, commands per event: {breakdownFull}");
        var db = full.GetDatabase();
        Console.WriteLine($"- backlog keys: {await RedisInspect.DescribeAsync(db, backlog.Keys.Guard(0))}; {await RedisInspect.DescribeAsync(db, backlog.Keys.Ready(0))}");
        await server.FlushAllDatabasesAsync();
    }

    private static async Task<(double Rate, CommandStats Stats)> TimedAppendAsync(RedisBatchStore store, IConnectionMultiplexer redis, AppendEvent[] events, TimeSpan timeout)
    {
        await RedisStats.ResetAsync(redis);
        var clock = Stopwatch.StartNew();
        await AppendLoad.AppendAllAsync(store, events, 4, 500).WaitAsync(timeout);
        clock.Stop();
        return (events.Length / clock.Elapsed.TotalSeconds, await RedisStats.CommandsAsync(redis));
    }

    /// <summary>
    /// Claims (100 batches / 5,000 events a call, as <see cref="FullCycle"/>) and acks with <paramref name="claimers"/> loops
    /// until at least <paramref name="events"/> events were acked; returns events acked per second.
    /// </summary>
    public static async Task<double> DrainAsync(RedisBatchStore store, long events, int claimers, TimeSpan timeout)
    {
        long acked = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, claimers).Select(i => Task.Run(async () =>
        {
            string owner = $"bench-drain-{i}";
            while (Interlocked.Read(ref acked) < events)
            {
                var claimed = await store.ClaimAsync(owner, 100, 5_000);
                if (claimed.Count == 0)
                {
                    return; // nothing ready is left
                }

                var acks = await Task.WhenAll(claimed.Select(b => store.AckAsync(b)));
                if (acks.Any(ok => !ok))
                {
                    throw new InvalidOperationException("an ack lost its lease: leases are 30 s, this should not happen");
                }

                Interlocked.Add(ref acked, claimed.Sum(b => b.Items.Count));
            }
        }))).WaitAsync(timeout);
        clock.Stop();
        return acked / clock.Elapsed.TotalSeconds;
    }
}
