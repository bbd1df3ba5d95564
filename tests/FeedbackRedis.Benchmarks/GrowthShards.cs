using System.Globalization;
using StackExchange.Redis;
using static FeedbackRedis.Benchmarks.GrowthFigures;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// Inputs of the cluster model (docs/BENCHMARKS.md, "Beyond one Redis, on paper"): what the cluster key layout
/// (FEEDBACK_REDIS_SHARDS) costs one Redis when a micro-batch is split into one call per shard and the flusher visits
/// every shard (0, 12 and 48 shards on the standalone server, 10,000 agents, batch size 50); and with <c>--cluster</c>
/// (the endpoints of a 3-master Redis Cluster on loopback), the same load with 12 shards on the cluster: rate, server time
/// per event summed over the masters, and how that time splits over the masters (which shards each one holds).
/// </summary>
internal static class GrowthShards
{
    private static readonly int[] Layouts = [0, 12, 48];

    /// <summary>Half the grid's events per run (the layouts are compared at one agent count; the time goes to the grid).</summary>
    private static int Events(GrowthSettings s) => Math.Max(1_000, s.Events / 2);

    public static async Task RunAsync(GrowthSettings s)
    {
        var points = Layouts.Select(n => (Shards: n, Redis: s.Redis, Label: n == 0 ? "standalone layout" : $"{n} shards, one server")).ToList();
        if (s.Cluster is not null)
        {
            points.Add((12, s.Cluster, "12 shards, 3-master cluster"));
        }

        var appends = points.ToDictionary(p => p.Label, _ => new List<AppendRun>());
        var cycles = points.ToDictionary(p => p.Label, _ => new List<CycleRun>());
        var failures = new List<string>();
        for (int rep = 1; rep <= s.Repeat; rep++)
        {
            foreach (var p in points)
            {
                Progress($"shards rep {rep}/{s.Repeat}: {p.Label}");
                try
                {
                    using var load = await AppendLoad.CreateAsync(s.Load(10_000, 50, p.Shards, p.Redis, Events(s)), TimeSpan.FromHours(1));
                    appends[p.Label].Add(await AppendThroughput.MeasureAsync(load, s.PointTimeout));
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"append, {p.Label}: {ex.Message}");
                }

                try
                {
                    using var load = await AppendLoad.CreateAsync(s.Load(10_000, 50, p.Shards, p.Redis, Events(s)), FullCycle.BatchTime);
                    cycles[p.Label].Add(await FullCycle.MeasureAsync(load, claimers: 2, s.PointTimeout));
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"cycle, {p.Label}: {ex.Message}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"### Key layouts: {Events(s):N0} events per run, 10,000 agents, batch size 50, agent mode, 4 callers × 500 events per call; cycle: 2 claimers, batch time 500 ms"));
        Console.WriteLine();
        Header("layout", "append events/s (runs)", "ratio", "append script µs/event", "script calls per 500 events", "cycle events/s (runs)", "ratio", "cycle script µs/event", "cycle script calls per event");
        string first = points[0].Label;
        foreach (var p in points)
        {
            var a = appends[p.Label];
            var c = cycles[p.Label];
            Row(p.Label, Runs([.. a.Select(r => r.EventsPerSecond)]), Ratio(Median([.. a.Select(r => r.EventsPerSecond)]), Median([.. appends[first].Select(r => r.EventsPerSecond)])),
                Number(Median([.. a.Select(r => r.ScriptMicrosPerEvent)]), "0.00"),
                a.Count == 0 ? "–" : Number(a[0].Commands.ScriptCalls * 500.0 / a[0].Events, "0.0"),
                Runs([.. c.Select(r => r.EventsPerSecond)]), Ratio(Median([.. c.Select(r => r.EventsPerSecond)]), Median([.. cycles[first].Select(r => r.EventsPerSecond)])),
                Number(Median([.. c.Select(r => r.ScriptMicrosPerEvent)]), "0.00"),
                c.Count == 0 ? "–" : Number(c[0].Commands.ScriptCalls / (double)c[0].Events, "0.000"));
        }

        Console.WriteLine();
        foreach (var p in points.Where(p => p.Shards > 0))
        {
            if (appends[p.Label].Count > 0)
            {
                Console.WriteLine($"- {p.Label}, append, commands per event: {appends[p.Label][0].Commands.Breakdown(appends[p.Label][0].Events)}");
            }
        }

        if (s.Cluster is not null)
        {
            await ClusterShareAsync(s.Cluster, appends["12 shards, 3-master cluster"], cycles["12 shards, 3-master cluster"]);
        }

        foreach (var f in failures)
        {
            Console.WriteLine($"- FAILED: {f}");
        }
    }

    /// <summary>Which shards each master holds (by the slot of each shard's keys), and each master's share of the script time.</summary>
    private static async Task ClusterShareAsync(string endpoints, List<AppendRun> appends, List<CycleRun> cycles)
    {
        using var redis = BenchEvents.Connect(endpoints);
        var schema = new FeedbackRedis.Batching.KeySchema("bench", 12);
        var db = redis.GetDatabase();
        var byMaster = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (int shard = 0; shard < schema.ShardCount; shard++)
        {
            var endpoint = await db.IdentifyEndpointAsync(schema.Deadlines(shard));
            string name = endpoint?.ToString() ?? "?";
            (byMaster.TryGetValue(name, out var list) ? list : byMaster[name] = []).Add(shard);
        }

        Console.WriteLine($"- 3-master cluster, shards per master (slot of `bench:{{s}}`): {string.Join("; ", byMaster.Select(kv => $"{kv.Key}: {kv.Value.Count} ({string.Join(",", kv.Value)})"))}");
        foreach (var (what, stats) in appends.Take(1).Select(a => ("append", a.Commands)).Concat(cycles.Take(1).Select(c => ("cycle", c.Commands))))
        {
            long total = stats.ScriptUsecPerMaster.Sum(m => m.Usec);
            Console.WriteLine($"- 3-master cluster, {what}, share of the script time per master (first run): "
                + string.Join("; ", stats.ScriptUsecPerMaster.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Master}: {m.Usec / (double)Math.Max(1, total):P0}"))));
        }
    }
}
