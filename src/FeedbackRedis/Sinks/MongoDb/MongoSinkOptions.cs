using FeedbackRedis.Configuration;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// MongoDB sink settings, section <c>Feedback:MongoDb</c>. Each property's environment name (where it has one), default,
/// range and meaning are its row in <see cref="FeedbackSettings"/> (a test holds the defaults here to the table);
/// checked at start-up by <see cref="MongoSinkOptionsValidator"/>. Document model: docs/SINKS.md.
/// </summary>
public sealed class MongoSinkOptions
{
    public const string Section = FeedbackSettings.MongoDb;

    /// <summary>
    /// Connection string (<c>FEEDBACK_MONGODB_URI</c>). Never logged with its credentials. Keep <c>serverSelectionTimeoutMS</c> well below the lease (e.g. 5000).
    /// </summary>
    public string Uri { get; set; } = "mongodb://localhost:27017";

    /// <summary>Database (<c>FEEDBACK_MONGODB_DATABASE</c>).</summary>
    public string Database { get; set; } = "feedback";

    /// <summary>One document per event, keyed by event id (<c>FEEDBACK_MONGODB_EVENTS_COLLECTION</c>).</summary>
    public string EventsCollection { get; set; } = "feedback_events";

    /// <summary>One aggregate document per agent (<c>FEEDBACK_MONGODB_AGENTS_COLLECTION</c>).</summary>
    public string AgentsCollection { get; set; } = "agent_feedback";

    /// <summary>
    /// One marker document per batch whose aggregates were applied (<c>FEEDBACK_MONGODB_BATCHES_COLLECTION</c>).
    /// </summary>
    public string BatchesCollection { get; set; } = "flushed_batches";

    /// <summary>
    /// Write concern (<c>FEEDBACK_MONGODB_WRITE_CONCERN</c>): <c>majority</c> or a number of members. With majority a
    /// batch is acked in Redis only after its write can no longer be rolled back by a failover.
    /// </summary>
    public string WriteConcern { get; set; } = "majority";

    /// <summary>Retries of a transient error inside one write, with exponential backoff and jitter.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>
    /// One apply record per (batch, agent) whose contribution was applied and then compacted out of the agent document
    /// (<c>Feedback:MongoDb:ContributionsCollection</c>). See docs/FLUSHING.md.
    /// </summary>
    public string ContributionsCollection { get; set; } = "applied_contributions";

    /// <summary>
    /// Batch keys an agent document holds before the oldest are compacted into <see cref="ContributionsCollection"/>
    /// (the newest half stays). It bounds the document, not the guard: a compacted key is
    /// guarded by its apply record (docs/FLUSHING.md).
    /// </summary>
    public int AppliedBatchesKept { get; set; } = 1_000;

    /// <summary>
    /// How long apply records are kept after their batch was sealed (a TTL index), in days. The
    /// sink refuses to apply the aggregates of a batch sealed more than this minus one day ago (the batch is rejected
    /// with the reason), so a record is only ever dropped once nothing can ask for it. Replay dead batches within it.
    /// </summary>
    public int ContributionRetentionDays { get; set; } = 30;

    /// <summary>
    /// After how long (minutes since its seal) a batch that wrote an event first but never counted it for that agent is
    /// presumed gone (dropped, or lost with Redis), so that a later batch carrying one of its events counts its share
    /// for it. Less than the retention minus one day. Completing a batch that is in fact
    /// alive is still counted once; the delay keeps that rare (docs/FLUSHING.md).
    /// </summary>
    public int CompleteOwnersAfterMinutes { get; set; } = 60;

    /// <summary>
    /// Distinct reaction names each agent document keeps under <c>reactions</c> (<c>FEEDBACK_MAX_REACTION_NAMES</c>).
    /// Reactions with further names are counted under <c>reactions.other</c>, so a producer
    /// cannot grow one agent's document without bound. See docs/SINKS.md.
    /// </summary>
    public int MaxReactionNames { get; set; } = 100;
}
