namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// MongoDB sink settings, section <c>Feedback:MongoDb</c>; each also has a <c>FEEDBACK_MONGODB_*</c> environment name.
/// Checked at start-up by <see cref="MongoSinkOptionsValidator"/>. Document model: docs/SINKS.md.
/// </summary>
public sealed class MongoSinkOptions
{
    public const string Section = "Feedback:MongoDb";

    /// <summary>
    /// Connection string (<c>FEEDBACK_MONGODB_URI</c>). Default <c>mongodb://localhost:27017</c>. Never logged with its
    /// credentials. Keep <c>serverSelectionTimeoutMS</c> well below the lease (e.g. 5000).
    /// </summary>
    public string Uri { get; set; } = "mongodb://localhost:27017";

    /// <summary>Database (<c>FEEDBACK_MONGODB_DATABASE</c>). Default <c>feedback</c>.</summary>
    public string Database { get; set; } = "feedback";

    /// <summary>One document per event, keyed by event id (<c>FEEDBACK_MONGODB_EVENTS_COLLECTION</c>). Default <c>feedback_events</c>.</summary>
    public string EventsCollection { get; set; } = "feedback_events";

    /// <summary>One aggregate document per agent (<c>FEEDBACK_MONGODB_AGENTS_COLLECTION</c>). Default <c>agent_feedback</c>.</summary>
    public string AgentsCollection { get; set; } = "agent_feedback";

    /// <summary>
    /// One marker document per batch whose aggregates were applied (<c>FEEDBACK_MONGODB_BATCHES_COLLECTION</c>).
    /// Default <c>flushed_batches</c>.
    /// </summary>
    public string BatchesCollection { get; set; } = "flushed_batches";

    /// <summary>
    /// Write concern (<c>FEEDBACK_MONGODB_WRITE_CONCERN</c>): <c>majority</c> or a number of members 1 to 50. Default
    /// majority: a batch is acked in Redis only after its write can no longer be rolled back by a failover.
    /// </summary>
    public string WriteConcern { get; set; } = "majority";

    /// <summary>Retries of a transient error inside one write, with exponential backoff and jitter. Default 3; 0 to 10.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>
    /// Applied batch keys each agent document keeps as its double-count guard (newest kept). Default 1,000;
    /// 10 to 100,000. See docs/SINKS.md for what it bounds.
    /// </summary>
    public int AppliedBatchesKept { get; set; } = 1_000;

    /// <summary>
    /// Distinct reaction names each agent document keeps under <c>reactions</c> (<c>FEEDBACK_MAX_REACTION_NAMES</c>).
    /// Default 100; 1 to 10,000. Reactions with further names are counted under <c>reactions.other</c>, so a producer
    /// cannot grow one agent's document without bound. See docs/SINKS.md.
    /// </summary>
    public int MaxReactionNames { get; set; } = 100;
}
