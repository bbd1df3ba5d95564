using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary>The options of the <c>growth</c> verb, checked once; each part builds its points from them.</summary>
internal sealed record GrowthSettings(
    string Redis,
    string? Cluster,
    int Events,
    int Repeat,
    int ItemBytes,
    int MaxAgents,
    int Backlog,
    int BacklogEvents,
    int ScanBatches,
    TimeSpan PointTimeout,
    IReadOnlySet<string> Parts)
{
    public static readonly string[] AllParts = ["grid", "memory", "backlog", "scan", "shards"];

    public static GrowthSettings From(BenchArgs args)
    {
        string parts = args.Text("parts", string.Join(",", AllParts));
        var chosen = parts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        if (chosen.Count == 0 || chosen.FirstOrDefault(p => !AllParts.Contains(p)) is { } unknown)
        {
            throw new ArgumentException($"--parts must be a comma-separated list of {string.Join(", ", AllParts)}; got '{parts}'");
        }

        string? cluster = args.Text("cluster", "") is { Length: > 0 } c ? c : null;
        return new GrowthSettings(
            args.Text("redis", "127.0.0.1:6379"),
            cluster,
            args.Number("events", 200_000, 1_000, 2_000_000),
            args.Number("repeat", 3, 1, 9),
            args.Number("item-bytes", 200, 64, 65_536),
            args.Number("max-agents", 1_000_000, 100, 1_000_000),
            args.Number("backlog", 1_000_000, 1_000, 5_000_000),
            args.Number("backlog-events", 100_000, 1_000, 1_000_000),
            args.Number("scan-batches", 20_000, 100, 1_000_000),
            TimeSpan.FromSeconds(args.Number("point-timeout-s", 180, 10, 3_600)),
            chosen);
    }

    /// <summary>The arguments of one <see cref="AppendLoad"/> point (agent mode, 4 callers × 500 events per call).</summary>
    public BenchArgs Load(int agents, int batchSize, int shards = 0, string? redis = null, int? events = null) => BenchArgs.Of(
        ("redis", redis ?? Redis), ("events", events ?? Events), ("agents", agents), ("batch-size", batchSize), ("shards", shards),
        ("item-bytes", ItemBytes), ("mode", "agent"), ("concurrency", 4), ("chunk", 500));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"events per point {Events}, repeat {Repeat}, items {ItemBytes} B, agents up to {MaxAgents}, backlog {Backlog} (+{BacklogEvents} per run), due-scan batches per run {ScanBatches}, point timeout {PointTimeout.TotalSeconds:0} s, parts {string.Join(",", Parts)}{(Cluster is null ? "" : ", cluster " + Cluster)}");
}
