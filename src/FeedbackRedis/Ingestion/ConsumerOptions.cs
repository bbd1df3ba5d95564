using FeedbackRedis.Configuration;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Consumer role settings, section <c>Feedback:Consumer</c>. Each property's environment name, default, range and
/// meaning are its row in <see cref="FeedbackSettings"/> (a test holds the defaults here to the table); checked at
/// start-up by <see cref="ConsumerOptionsValidator"/>. Topic names and the group id are <see cref="Kafka.KafkaOptions"/>.
/// </summary>
public sealed class ConsumerOptions
{
    public const string Section = FeedbackSettings.Consumer;

    /// <summary>Most messages in one micro-batch (one append) (<c>FEEDBACK_CONSUMER_MAX_BATCH</c>).</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>
    /// Most micro-batch appends one consumer has in flight at once (<c>FEEDBACK_CONSUMER_APPENDS_IN_FLIGHT</c>): the next
    /// micro-batch is fetched and sent while earlier ones are on their way; offsets are still stored strictly in order and
    /// only for appends Redis took in.
    /// </summary>
    public int AppendsInFlight { get; set; } = 4;

    /// <summary>Longest a micro-batch waits for more messages after its first (<c>FEEDBACK_CONSUMER_MAX_WAIT_MS</c>).</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Pending events (open, ready and in-flight, over all agents) at which the consumer pauses its partitions
    /// (<c>FEEDBACK_PENDING_HIGH_WATER</c>).
    /// </summary>
    public long PendingHighWater { get; set; } = 1_000_000;

    /// <summary>
    /// Pending events below which paused partitions resume (<c>FEEDBACK_PENDING_LOW_WATER</c>); below
    /// <see cref="PendingHighWater"/>.
    /// </summary>
    public long PendingLowWater { get; set; } = 800_000;

    /// <summary>
    /// Events in dead batches at which the consumer pauses (<c>FEEDBACK_DEAD_HIGH_WATER</c>, reason <c>DeadWork</c>),
    /// resuming below 90% of it: a sink that refuses everything parks work dead at the ingest rate, and dead events are
    /// not in the pending count. 0: off.
    /// </summary>
    public long DeadHighWater { get; set; } = 1_000_000;

    /// <summary>How often the pending count is read from Redis (configuration only).</summary>
    public TimeSpan PendingCheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long an offset must have been acknowledged by Redis before it may be stored and committed
    /// (<c>FEEDBACK_COMMIT_SAFETY_MS</c>). Covers the writes a Redis with <c>appendfsync everysec</c> loses in a crash:
    /// those events are replayed from Kafka and deduplicated by event id. 0: off.
    /// </summary>
    public TimeSpan CommitSafety { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How often stored offsets are committed to Kafka (librdkafka <c>auto.commit.interval.ms</c>,
    /// <c>FEEDBACK_CONSUMER_COMMIT_INTERVAL_MS</c>). Revocation and shutdown commit at once.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Consumer group session timeout (librdkafka <c>session.timeout.ms</c>, <c>FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS</c>):
    /// how long a crashed consumer keeps its partitions before the group hands them over.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long held messages may make no progress, while Redis and the dead-letter topic are reachable and the
    /// high-water mark is not reached, before the liveness probe says the consumer is stuck
    /// (<c>FEEDBACK_CONSUMER_STUCK_MS</c>).
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the dead-letter producer tries to deliver one message before the batch is retried (configuration only).</summary>
    public TimeSpan DeadLetterTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
