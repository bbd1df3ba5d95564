using FeedbackRedis.Configuration;

namespace FeedbackRedis.Batching;

/// <summary>
/// Batch engine settings, section <c>Feedback:Batching</c>. Each property's environment name, default, range and
/// meaning are its row in <see cref="FeedbackSettings"/> (a test holds the defaults here to the table); checked at
/// start-up by <see cref="BatchingOptionsValidator"/>.
/// </summary>
public sealed class BatchingOptions
{
    public const string Section = FeedbackSettings.Batching;

    /// <summary>Items per batch: reaching it seals the batch (<c>FEEDBACK_BATCH_SIZE</c>).</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>How long a batch stays open after its first item (<c>FEEDBACK_BATCH_TIME_MS</c>).</summary>
    public TimeSpan BatchTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Item bytes (UTF-8) that seal a batch (<c>FEEDBACK_BATCH_MAX_BYTES</c>); an item that would take a non-empty batch
    /// past it seals that batch first, and an item larger than it is a batch of its own. 0: off.
    /// </summary>
    public int MaxBatchBytes { get; set; }

    /// <summary>
    /// Sliding grace (<c>FEEDBACK_BATCH_GRACE_MS</c>): each new item moves the deadline to now + grace, never past the
    /// first item + <see cref="BatchTime"/> (the hard maximum). Zero: off.
    /// </summary>
    public TimeSpan BatchGrace { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Most open batches; beyond it the oldest are sealed early (<c>FEEDBACK_MAX_BATCHES</c>). In the cluster layout
    /// each shard allows its share (rounded up).
    /// </summary>
    public int MaxOpenBatches { get; set; } = 10_000;

    /// <summary>Batching mode (<c>FEEDBACK_BATCHING_MODE</c>): agent, global or hybrid.</summary>
    public BatchingMode Mode { get; set; } = BatchingMode.Hybrid;

    /// <summary>
    /// Hybrid mode: open events (all agents) at which the oldest open batches are combined into shared batches until half remain
    /// (<c>FEEDBACK_GLOBAL_TRIGGER</c>, formerly <c>FEEDBACK_GLOBAL_BATCH_SIZE</c>). In the cluster layout, per shard.
    /// </summary>
    public int GlobalTrigger { get; set; } = 20_000;

    /// <summary>Global mode: number of open lanes (<c>FEEDBACK_GLOBAL_LANES</c>, formerly <c>FEEDBACK_GLOBAL_SHARDS</c>).</summary>
    public int GlobalLanes { get; set; } = 8;

    /// <summary>How long a claim holds a batch (<c>FEEDBACK_LEASE_MS</c>).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Claims a batch gets before it is parked as dead (<c>FEEDBACK_MAX_ATTEMPTS</c>).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Largest item accepted, in UTF-8 bytes (<c>FEEDBACK_MAX_ITEM_BYTES</c>).</summary>
    public int MaxItemBytes { get; set; } = 65_536;

    /// <summary>First part of every key (<c>FEEDBACK_KEY_PREFIX</c>): 1 to 64 of <c>A-Z a-z 0-9 _ - .</c>.</summary>
    public string KeyPrefix { get; set; } = "feedback";

    /// <summary>
    /// Key layout (<c>FEEDBACK_REDIS_SHARDS</c>): 0 is the standalone layout (<c>feedback:batch:&lt;agentId&gt;</c>);
    /// N &gt; 0 is the Redis Cluster layout with N hash-tagged shards (<c>feedback:{3}:batch:&lt;agentId&gt;</c>).
    /// </summary>
    public int RedisShards { get; set; }

    /// <summary>
    /// Replicas that must acknowledge each append before the consumer moves on (<c>FEEDBACK_REDIS_WAIT_REPLICAS</c>):
    /// Redis WAIT after every append, for deployments whose primary may be replaced by a replica. 0: off.
    /// </summary>
    public int WaitReplicas { get; set; }

    /// <summary>
    /// How long one WAIT may take (<c>FEEDBACK_REDIS_WAIT_TIMEOUT_MS</c>); fewer acknowledgements by then fail the append
    /// (retried, offsets not moved). Keep it below the connection's <c>asyncTimeout</c> (default 5 s), or the client
    /// gives up first (also a retried failure).
    /// </summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for deadlines and leases (<c>FEEDBACK_CLOCK</c>): redis or local.</summary>
    public ClockSource Clock { get; set; } = ClockSource.Redis;
}
