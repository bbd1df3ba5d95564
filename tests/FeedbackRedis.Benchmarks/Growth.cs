using System.Diagnostics;
using System.Globalization;
using FeedbackRedis.Batching;
using StackExchange.Redis;
using static FeedbackRedis.Benchmarks.GrowthFigures;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// <c>growth</c>: how the engine's costs grow (issue 16, deliverable 5). Against the Redis at <c>--redis</c> (flushed
/// between points; scripts/bench.sh growth starts a private one), in parts chosen by <c>--parts</c>:
/// <list type="bullet">
/// <item><c>grid</c>: append and whole-cycle throughput, the server's script time per event and the memory the appended
/// events hold, for 10^2 .. 10^6 agents (batch size 50) and batch sizes 10, 50, 500 (10^4 agents);</item>
/// <item><c>memory</c>: memory per pending event with every batch open, per agent count, and how Redis encodes the keys;</item>
/// <item><c>backlog</c>: appends and drains into a Redis that holds a backlog near the high-water mark, against an empty one;</item>
/// <item><c>scan</c>: the flusher's due scan and claim against 10^2 .. 10^6 open batches (<see cref="GrowthDueScan"/>);</item>
/// <item><c>shards</c>: the cluster key layout's per-shard calls, and a 3-master cluster with <c>--cluster</c> (<see cref="GrowthShards"/>).</item>
/// </list>
/// Every point is repeated <c>--repeat</c> times (the grid sweeps all its points once per repetition, so a load change
/// on the machine hits every point alike); figures are medians, ratios are against the smallest point of the same run.
/// Each run is bounded by <c>--point-timeout-s</c>. Prints a markdown report on standard output.
/// </summary>
internal static class Growth
{
    public static readonly int[] AgentCounts = [100, 1_000, 10_000, 100_000, 1_000_000];

    public static readonly int[] BatchSizes = [10, 50, 500];

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var settings = GrowthSettings.From(args);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"growth: {settings}");
        using (var probe = BenchEvents.Connect(settings.Redis))
        {
            var server = RedisStats.Masters(probe)[0];
            Console.WriteLine($"redis {await RedisStats.InfoFieldAsync(server, "server", "redis_version")} at {settings.Redis}; "
                + $"list-max-listpack-size {(await server.ConfigGetAsync("list-max-listpack-size"))[0].Value}, "
                + $"zset-max-listpack-entries {(await server.ConfigGetAsync("zset-max-listpack-entries"))[0].Value}, "
                + $"set-max-intset-entries {(await server.ConfigGetAsync("set-max-intset-entries"))[0].Value}");
        }

        await PartAsync(settings, "grid", () => GridAsync(settings));

        await PartAsync(settings, "memory", () => OpenMemoryAsync(settings));

        await PartAsync(settings, "backlog", () => GrowthBacklog.RunAsync(settings));

        await PartAsync(settings, "scan", () => GrowthDueScan.RunAsync(settings));

        await PartAsync(settings, "shards", () => GrowthShards.RunAsync(settings));

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"growth: done in {clock.Elapsed.TotalMinutes:0.0} minutes"));
        return 0;
    }

    /// <summary>Runs one part; a part that fails or runs out of time is reported and the next one runs.</summary>
    private static async Task PartAsync(GrowthSettings settings, string part, Func<Task> run)
    {
        if (!settings.Parts.Contains(part))
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            await run();
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or RedisException or BatchStoreUnavailableException)
        {
            Console.WriteLine();
            Console.WriteLine($"- part {part} FAILED: {ex.GetType().Name}: {ex.Message}");
        }

        Progress(string.Create(CultureInfo.InvariantCulture, $"part {part} took {clock.Elapsed.TotalSeconds:0} s"));
    }

    private static async Task GridAsync(GrowthSettings s)
    {
        var points = AgentCounts.Where(a => a <= s.MaxAgents).Select(a => (Agents: a, Batch: 50))
            .Concat(BatchSizes.Where(b => b != 50).Select(b => (Agents: 10_000, Batch: b))).ToList();
        var appends = points.ToDictionary(p => p, _ => new List<AppendRun>());
        var cycles = points.ToDictionary(p => p, _ => new List<CycleRun>());
        var failures = new List<string>();
        for (int rep = 1; rep <= s.Repeat; rep++)
        {
            foreach (var p in points)
            {
                Progress($"grid rep {rep}/{s.Repeat}: {p.Agents} agents, batch size {p.Batch}");
                try
                {
                    using var load = await AppendLoad.CreateAsync(s.Load(p.Agents, p.Batch), TimeSpan.FromHours(1));
                    appends[p].Add(await AppendThroughput.MeasureAsync(load, s.PointTimeout));
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"append {p}: {ex.Message}");
                }

                try
                {
                    using var load = await AppendLoad.CreateAsync(s.Load(p.Agents, p.Batch), FullCycle.BatchTime);
                    cycles[p].Add(await FullCycle.MeasureAsync(load, claimers: 2, s.PointTimeout));
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"cycle {p}: {ex.Message}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"### Grid: {s.Events:N0} events per run, {s.ItemBytes}-byte items, agent mode, 4 callers × 500 events per call; cycle: 2 claimers, batch time 500 ms"));
        Console.WriteLine();
        double Rate<T>(List<T> runs, Func<T, double> f) => Median([.. runs.Select(f)]);
        void Table(List<(int Agents, int Batch)> rows)
        {
            Header("agents", "batch size", "events per agent", "append events/s (runs)", "ratio", "append script µs/event", "cycle events/s (runs)", "ratio",
                "cycle script µs/event", "bytes per pending event after the append", "open / ready batches after the append");
            var reference = rows[0];
            foreach (var p in rows)
            {
                var a = appends[p];
                var c = cycles[p];
                var memory = a.Select(r => r.BytesPerEvent).Distinct().ToList();
                Row(Number(p.Agents), p.Batch, Number(s.Events / (double)p.Agents, "N1"),
                    Runs([.. a.Select(r => r.EventsPerSecond)]), Ratio(Rate(a, r => r.EventsPerSecond), Rate(appends[reference], r => r.EventsPerSecond)),
                    Number(Rate(a, r => r.ScriptMicrosPerEvent), "0.00"),
                    Runs([.. c.Select(r => r.EventsPerSecond)]), Ratio(Rate(c, r => r.EventsPerSecond), Rate(cycles[reference], r => r.EventsPerSecond)),
                    Number(Rate(c, r => r.ScriptMicrosPerEvent), "0.00"),
                    a.Count == 0 ? "–" : string.Join(" / ", memory.Select(m => m.ToString("0.0", CultureInfo.InvariantCulture))),
                    a.Count == 0 ? "–" : $"{a[0].OpenBatches:N0} / {a[0].ReadyBatches:N0}");
            }

            Console.WriteLine();
        }

        Table([.. points.Where(p => p.Batch == 50)]);
        Table([.. points.Where(p => p.Agents == 10_000).OrderBy(p => p.Batch)]);
        Console.WriteLine("Ratios against the first row of each table (100 agents; batch size 10). Server time "
            + "inside scripts (INFO commandstats, EVALSHA usec) per event: median of the runs. Commands the scripts ran, per event "
            + "(calls × / µs), first run:");
        Console.WriteLine();
        foreach (var p in points)
        {
            if (appends[p].Count > 0)
            {
                Console.WriteLine($"- {p.Agents:N0} agents, batch {p.Batch}, append: {appends[p][0].Commands.Breakdown(appends[p][0].Events)}");
            }

            if (cycles[p].Count > 0)
            {
                Console.WriteLine($"- {p.Agents:N0} agents, batch {p.Batch}, cycle: {cycles[p][0].Commands.Breakdown(cycles[p][0].Events, top: 9)}; "
                    + $"{cycles[p][0].Commands.ScriptCalls / (double)cycles[p][0].Events:0.000} script calls per event");
            }
        }

        foreach (var f in failures)
        {
            Console.WriteLine($"- FAILED: {f}");
        }
    }

    /// <summary>
    /// Memory per pending event with every batch open (batch size 100,000: nothing seals), per agent count; exact, so one
    /// run each. The overhead of an open batch is what the memory grows by per extra open batch against 100 agents.
    /// </summary>
    private static async Task OpenMemoryAsync(GrowthSettings s)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"### Memory per pending event, every batch open: {s.Events:N0} events of {s.ItemBytes} bytes, batch size 100,000 (nothing seals), one run (used_memory is exact)"));
        Console.WriteLine();
        Header("agents", "open batches", "bytes per pending event", "over the item", "bytes per extra open batch (vs 100 agents)", "keys");
        var lines = new List<string>();
        AppendRun? first = null;
        foreach (int agents in AgentCounts.Where(a => a <= s.MaxAgents))
        {
            Progress($"memory: {agents} agents");
            using var load = await AppendLoad.CreateAsync(s.Load(agents, 100_000), TimeSpan.FromHours(1));
            AppendRun run;
            try
            {
                run = await AppendThroughput.MeasureAsync(load, s.PointTimeout);
            }
            catch (InvalidOperationException ex)
            {
                Row(Number(agents), "FAILED: " + ex.Message, "", "", "", "");
                continue;
            }

            first ??= run;
            double item = BenchEvents.AverageItemBytes(load.Events);
            double perBatch = run.OpenBatches == first.OpenBatches ? double.NaN
                : (run.MemoryBytes - first.MemoryBytes) / (double)(run.OpenBatches - first.OpenBatches);
            long keys = await RedisStats.Masters(load.Redis)[0].DatabaseSizeAsync();
            Row(Number(agents), Number(run.OpenBatches), Number(run.BytesPerEvent, "0.0"), Number(run.BytesPerEvent - item, "0.0"), Number(perBatch, "0.0"), Number(keys));

            var db = load.Redis.GetDatabase();
            var keysOf = load.Store.Keys;
            string cold = load.Events[^1].AgentId;
            lines.Add($"- {agents:N0} agents: " + string.Join("; ", [
                await RedisInspect.DescribeAsync(db, keysOf.Guard(0)),
                await RedisInspect.DescribeAsync(db, keysOf.Deadlines(0)),
                await RedisInspect.DescribeAsync(db, keysOf.OpenBatch("agent-0")),
                await RedisInspect.DescribeAsync(db, keysOf.OpenBatch(cold))]));
        }

        Console.WriteLine();
        Console.WriteLine("How Redis holds the keys (the guard, the deadline set, the hottest agent's open list, a cold agent's):");
        Console.WriteLine();
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        // Sealed batches: what a batch of each size holds besides its items.
        Console.WriteLine();
        Console.WriteLine("Sealed batches (after a grid append; 10,000 agents), one of each size:");
        Console.WriteLine();
        foreach (int size in BatchSizes)
        {
            using var load = await AppendLoad.CreateAsync(s.Load(10_000, size, events: Math.Min(s.Events, 50_000)), TimeSpan.FromHours(1));
            await AppendLoad.AppendAllAsync(load.Store, load.Events, 4, 500);
            var db = load.Redis.GetDatabase();
            var ready = await db.SortedSetRangeByRankAsync(load.Store.Keys.Ready(0), 0, 0);
            if (ready.Length == 0)
            {
                Console.WriteLine($"- batch size {size}: nothing sealed");
                continue;
            }

            string id = ready[0]!;
            Console.WriteLine($"- batch size {size}: {await RedisInspect.DescribeAsync(db, load.Store.Keys.Sealed(id))}; "
                + $"{await RedisInspect.DescribeAsync(db, load.Store.Keys.Meta(id))}; {await RedisInspect.DescribeAsync(db, load.Store.Keys.Ready(0))}");
        }
    }
}
