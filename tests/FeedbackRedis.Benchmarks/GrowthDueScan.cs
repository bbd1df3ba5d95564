using System.Diagnostics;
using System.Globalization;
using FeedbackRedis.Batching;
using static FeedbackRedis.Benchmarks.GrowthFigures;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// The flusher's due scan and claim against the number of open batches (10^2 .. 10^6): N agents with one event each
/// (so N open batches, the worst case for a scan: one batch per event), the clock set by hand (FEEDBACK_CLOCK=local).
/// Per repetition: 200 due scans with nothing due (the idle poll), then the clock moves past every deadline and up to
/// <c>--scan-batches</c> of them are sealed (1,000 per call, as the flusher does), claimed by one claimer (500 batches
/// / 5,000 events per call, the flusher's defaults), then acked; then as many new agents are appended, so the next
/// repetition again starts with N open batches. Each phase is timed by the client and by the server (commandstats).
/// </summary>
internal static class GrowthDueScan
{
    private const int IdleScans = 200;

    public static async Task RunAsync(GrowthSettings s)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"### Due scan and claim against open batches: one {Math.Min(s.ItemBytes, 100)}-byte event per agent, up to {s.ScanBatches:N0} batches sealed and claimed per run"));
        Console.WriteLine();
        Header("open batches", "idle due scan µs/call, client (runs)", "idle scan, server µs/call", "seal µs/batch, client (runs)", "seal, server µs/batch",
            "claim µs/batch, client (runs)", "claim, server µs/batch", "claim call (500 batches) ms", "ack, server µs/batch", "memory per open batch, B", "deadlines");
        double? firstSeal = null;
        foreach (int n in Growth.AgentCounts.Where(a => a <= s.MaxAgents))
        {
            Progress($"scan: {n} open batches");
            var point = await PointAsync(s, n);
            firstSeal ??= Median(point.SealClient);
            Row(Number(n), Runs(point.IdleClient, "0"), Number(Median(point.IdleServer), "0.0"), Runs(point.SealClient, "0.0"), Number(Median(point.SealServer), "0.0"),
                Runs(point.ClaimClient, "0.0"), Number(Median(point.ClaimServer), "0.0"), Number(Median(point.ClaimCallMs), "0.0"), Number(Median(point.AckServer), "0.0"),
                Number(point.BytesPerOpenBatch, "0"), point.Deadlines);
        }

        Console.WriteLine();
        Console.WriteLine("Client times are wall clock over the phase divided by calls or batches; server times are EVALSHA usec "
            + "(INFO commandstats) over the same phase. Idle scan: SealDueAsync with nothing due. Seal: SealDueAsync(1000) "
            + "until the run's batches are sealed. Claim: ClaimAsync(500 batches, 5,000 events), one claimer. Ack: AckAsync per batch, 4 at a time.");
    }

    private sealed record Point(List<double> IdleClient, List<double> IdleServer, List<double> SealClient, List<double> SealServer,
        List<double> ClaimClient, List<double> ClaimServer, List<double> ClaimCallMs, List<double> AckServer, double BytesPerOpenBatch, string Deadlines);

    private static async Task<Point> PointAsync(GrowthSettings s, int n)
    {
        var time = new ManualTime(TimeProvider.System.GetUtcNow());
        var start = time.GetUtcNow();
        using var redis = BenchEvents.Connect(s.Redis);
        await RedisStats.FlushAsync(redis);
        var store = BenchEvents.Store(redis, new BatchingOptions
        {
            KeyPrefix = "bench",
            Mode = BatchingMode.Agent,
            MaxOpenBatches = 10_000_000,
            BatchTime = TimeSpan.FromHours(1),
            LeaseDuration = TimeSpan.FromHours(1),
            Clock = ClockSource.Local,
        }, time);
        int itemBytes = Math.Min(s.ItemBytes, 100);
        long before = await RedisStats.UsedMemoryAsync(redis);
        int next = 0;
        for (; next < n; next += 100_000)
        {
            await AppendLoad.AppendAllAsync(store, BenchEvents.OnePerAgent(next, Math.Min(100_000, n - next), itemBytes), 4, 500).WaitAsync(s.PointTimeout);
        }

        next = n;
        long after = await RedisStats.UsedMemoryAsync(redis);
        string deadlines = await RedisInspect.HowAsync(redis.GetDatabase(), store.Keys.Deadlines(0));
        var p = new Point([], [], [], [], [], [], [], [], (after - before) / (double)n, deadlines);
        int take = Math.Min(n, s.ScanBatches);
        for (int rep = 1; rep <= s.Repeat; rep++)
        {
            time.Now = start;
            await RedisStats.ResetAsync(redis);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < IdleScans; i++)
            {
                if (await store.SealDueAsync(1000) != 0)
                {
                    throw new InvalidOperationException("an idle due scan sealed a batch: every deadline is an hour ahead");
                }
            }

            p.IdleClient.Add(clock.Elapsed.TotalMicroseconds / IdleScans);
            p.IdleServer.Add((await RedisStats.CommandsAsync(redis)).ScriptUsec / (double)IdleScans);

            time.Now = start + TimeSpan.FromHours(2);
            await RedisStats.ResetAsync(redis);
            clock.Restart();
            int sealedCount = 0;
            while (sealedCount < take)
            {
                int got = await store.SealDueAsync(Math.Min(1000, take - sealedCount));
                sealedCount += got > 0 ? got : throw new InvalidOperationException($"the due scan sealed {sealedCount} of {take} due batches, then none");
            }

            p.SealClient.Add(clock.Elapsed.TotalMicroseconds / take);
            p.SealServer.Add((await RedisStats.CommandsAsync(redis)).ScriptUsec / (double)take);

            await RedisStats.ResetAsync(redis);
            var claimed = new List<ClaimedBatch>();
            int calls = 0;
            clock.Restart();
            while (claimed.Count < take)
            {
                var got = await store.ClaimAsync("bench-scan", 500, 5_000);
                calls++;
                claimed.AddRange(got.Count > 0 ? got : throw new InvalidOperationException($"claimed {claimed.Count} of {take} ready batches, then none"));
            }

            p.ClaimClient.Add(clock.Elapsed.TotalMicroseconds / claimed.Count);
            p.ClaimCallMs.Add(clock.Elapsed.TotalMilliseconds / calls);
            p.ClaimServer.Add((await RedisStats.CommandsAsync(redis)).ScriptUsec / (double)claimed.Count);

            await RedisStats.ResetAsync(redis);
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, token) =>
            {
                if (!await store.AckAsync(batch, token))
                {
                    throw new InvalidOperationException("an ack lost its lease: leases are an hour here");
                }
            });
            p.AckServer.Add((await RedisStats.CommandsAsync(redis)).ScriptUsec / (double)claimed.Count);

            // Back to n open batches, deadlines an hour after the start again.
            time.Now = start;
            await AppendLoad.AppendAllAsync(store, BenchEvents.OnePerAgent(next, take, itemBytes), 4, 500).WaitAsync(s.PointTimeout);
            next += take;
            var counts = await store.GetCountsAsync();
            if (counts.OpenBatches != n)
            {
                throw new InvalidOperationException($"{counts.OpenBatches} open batches after the top-up; expected {n}");
            }
        }

        await RedisStats.FlushAsync(redis);
        return p;
    }

    /// <summary>A clock the bench sets by hand (the store runs with FEEDBACK_CLOCK=local).</summary>
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
