using System.Diagnostics;
using FeedbackRedis.Batching;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// The load the append benches share: <c>--events</c> over <c>--agents</c>, appended by <c>--concurrency</c> callers in
/// calls of <c>--chunk</c> events, mode <c>--mode</c>, into a flushed Redis at <c>--redis</c>, batch size 50. With
/// <c>--partitions N</c> every call also records the Kafka offsets of N partitions, as the consumer's appends do. The
/// batch-policy features, each off by default: <c>--max-bytes N</c> (FEEDBACK_BATCH_MAX_BYTES), <c>--grace-ms N</c>
/// (FEEDBACK_BATCH_GRACE_MS), <c>--policies N</c> (agents agent-0 .. agent-N-1 get a policy of batch size 50, the global
/// size, so only the cost of reading policies is measured). <c>--id-tag T</c> puts T into every event id (loads that must
/// not share ids).
/// </summary>
internal sealed class AppendLoad : IDisposable
{
    private AppendLoad(IConnectionMultiplexer redis, RedisBatchStore store, AppendEvent[] events, int agents, int concurrency, int chunk, string mode, int partitions)
    {
        Partitions = partitions;
        Agents = agents;
        Redis = redis;
        Store = store;
        Events = events;
        Concurrency = concurrency;
        Chunk = chunk;
        Mode = mode;
    }

    public IConnectionMultiplexer Redis { get; }

    public RedisBatchStore Store { get; }

    public AppendEvent[] Events { get; }

    public int Agents { get; }

    public int Concurrency { get; }

    public int Chunk { get; }

    public string Mode { get; }

    /// <summary>Kafka partitions whose offsets each call records (0: none).</summary>
    public int Partitions { get; }

    public static async Task<AppendLoad> CreateAsync(BenchArgs args, TimeSpan batchTime)
    {
        string endpoint = args.Text("redis", "127.0.0.1:6379");
        int count = args.Number("events", 1_000_000, 1_000, 5_000_000);
        int agents = args.Number("agents", 10_000, 1, 1_000_000);
        int concurrency = args.Number("concurrency", 4, 1, 64);
        int chunk = args.Number("chunk", 500, 1, 10_000);
        int itemBytes = args.Number("item-bytes", 200, 64, 65_536);
        string mode = args.Text("mode", "agent");
        int partitions = args.Number("partitions", 0, 0, 1_000);
        int maxBytes = args.Number("max-bytes", 0, 0, 268_435_456);
        int graceMs = args.Number("grace-ms", 0, 0, 86_400_000);
        int policies = args.Number("policies", 0, 0, 1_000_000);
        int batchSize = args.Number("batch-size", 50, 1, 100_000);
        int shards = args.Number("shards", 0, 0, 1_024);
        if (!Enum.TryParse<BatchingMode>(mode, ignoreCase: true, out var batchingMode) || !Enum.IsDefined(batchingMode))
        {
            throw new ArgumentException($"--mode must be agent, global or hybrid; got '{mode}'");
        }

        var events = BenchEvents.Make(count, agents, itemBytes, idTag: args.Text("id-tag", ""));
        var redis = BenchEvents.Connect(endpoint);
        await RedisStats.FlushAsync(redis);
        var store = BenchEvents.Store(redis, new BatchingOptions
        {
            KeyPrefix = "bench",
            Mode = batchingMode,
            BatchSize = batchSize,
            RedisShards = shards,
            MaxOpenBatches = 10_000_000,
            BatchTime = batchTime,
            MaxBatchBytes = maxBytes,
            BatchGrace = TimeSpan.FromMilliseconds(graceMs),
        });
        for (int a = 0; a < policies; a++)
        {
            await store.SetPolicyAsync($"agent-{a}", new BatchPolicy(50, null, null));
        }

        return new AppendLoad(redis, store, events, agents, concurrency, chunk, mode, partitions);
    }

    /// <summary>Seconds the last <see cref="AppendAllAsync()"/> took, from its start to its last call's reply.</summary>
    public double LastAppendSeconds { get; private set; }

    /// <summary>Every event appended by the callers, as consumers append their micro-batches.</summary>
    public async Task AppendAllAsync()
    {
        int next = 0;
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Add(ref next, Chunk) - Chunk is var from && from < Events.Length)
            {
                await Store.AppendAsync(new ArraySegment<AppendEvent>(Events, from, Math.Min(Chunk, Events.Length - from)), PositionsAt(from));
            }
        })));
        LastAppendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary><paramref name="events"/> appended by <paramref name="concurrency"/> callers in calls of <paramref name="chunk"/> (no offsets).</summary>
    public static Task AppendAllAsync(RedisBatchStore store, AppendEvent[] events, int concurrency, int chunk)
    {
        int next = 0;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Add(ref next, chunk) - chunk is var from && from < events.Length)
            {
                await store.AppendAsync(new ArraySegment<AppendEvent>(events, from, Math.Min(chunk, events.Length - from)));
            }
        })));
    }

    /// <summary>The positions of a call starting at event <paramref name="from"/>: offsets grow with it, as a partition's do.</summary>
    private List<PartitionPosition> PositionsAt(int from) =>
        [.. Enumerable.Range(0, Partitions).Select(p => new PartitionPosition(new KafkaPartition("feedback.reply.received", p), -1, from + p))];

    public void Dispose() => Redis.Dispose();
}
