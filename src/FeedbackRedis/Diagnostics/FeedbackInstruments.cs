namespace FeedbackRedis.Diagnostics;

/// <summary>
/// Every instrument of the service, in one place: name, unit, description, kind and label keys. The recorders
/// (<c>IngestionMetrics</c>, <c>FlusherMetrics</c>, <c>StoreMetrics</c>) create their instruments from these through
/// <see cref="FeedbackMeter"/>, which also creates each one's deprecated aliases (<see cref="DeprecatedAliases"/>).
/// Names follow one scheme, <c>feedback.&lt;component&gt;.&lt;snake_name&gt;</c> (<see cref="Components"/>); names are
/// part of the operators' contract (alerts, dashboards, KEDA): a rename keeps the old name as an alias for one release.
/// Prometheus names and meanings: docs/OPERATIONS.md.
/// </summary>
public static class FeedbackInstruments
{
    /// <summary>The components an instrument name may name, after <c>feedback.</c>.</summary>
    public static readonly IReadOnlyList<string> Components = ["consumer", "flusher", "sink", "store", "redis"];

    /// <summary>Label keys whose values come from outside (Kafka topic names) and are passed on as they are.</summary>
    public static readonly IReadOnlySet<string> VerbatimLabels = new HashSet<string>(StringComparer.Ordinal) { "topic" };

    // The consumer (Ingestion/IngestionMetrics.cs).
    /// <summary>Bucket bounds of the latency histograms, in seconds: 0.5 ms to 10 s (the append alert reads 0.05).</summary>
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static readonly InstrumentDefinition ConsumerDeadLetters = Counter(
        "feedback.consumer.dead_letters", "{message}", "Messages sent to the dead-letter topic, by reason.", "reason");

    public static readonly InstrumentDefinition ConsumerDeadLettersTruncated = Counter(
        "feedback.consumer.dead_letters_truncated", "{message}",
        "Dead letters the dead-letter topic refused whole (permanently) and took cut down to their first 64 KiB, by reason (also counted in dead_letters).",
        "reason");

    public static readonly InstrumentDefinition ConsumerDeadLettersDropped = Counter(
        "feedback.consumer.dead_letters_dropped", "{message}",
        "Dead letters the dead-letter topic refused permanently both whole and cut down: logged and skipped, by reason and error.",
        "reason", "error");

    public static readonly InstrumentDefinition ConsumerAppended = Counter(
        "feedback.consumer.appended", "{event}", "Events added to open batches in Redis.");

    public static readonly InstrumentDefinition ConsumerDuplicates = Counter(
        "feedback.consumer.duplicates", "{event}",
        "Redelivered events skipped because their id was in the duplicate guard (appended before, not yet flushed).");

    public static readonly InstrumentDefinition ConsumerPauses = Counter(
        "feedback.consumer.pauses", "{pause}",
        "Times the consumer paused its partitions, by reason (a pause for two reasons counts once under each).", "reason");

    public static readonly InstrumentDefinition ConsumerStuck = Counter(
        "feedback.consumer.stuck", "{occurrence}",
        "Times held messages made no progress for FEEDBACK_CONSUMER_STUCK_MS while Redis and the dead-letter topic were reachable (liveness then fails).");

    public static readonly InstrumentDefinition ConsumerPositionsResolved = Counter(
        "feedback.consumer.positions_resolved", "{partition}",
        "Assigned partitions positioned after the offset Redis recorded with their events (source=redis) or at Kafka's committed offset because Redis had no record (source=kafka).",
        "source");

    public static readonly InstrumentDefinition ConsumerRewinds = Counter(
        "feedback.consumer.rewinds", "{partition}",
        "Partitions rewound because Redis held less than this consumer had recorded there (it lost acknowledged writes), by reason: redis-behind (rewound to Redis's record) or redis-empty (no record left: rewound to Kafka's commit).",
        "reason");

    public static readonly InstrumentDefinition ConsumerLag = Gauge(
        "feedback.consumer.lag", "{message}",
        "Messages behind the high watermark on the partitions this process owns, by topic (sum over pods for the group's lag).", "topic");

    // The batch engine (Batching/StoreMetrics.cs).
    public static readonly InstrumentDefinition RedisDuration = Histogram(
        "feedback.redis.duration", "s", "Round-trip time of batch-engine operations on Redis, by operation and outcome.", "operation", "outcome") with
    {
        Buckets = LatencyBuckets,
    };

    public static readonly InstrumentDefinition StoreBatches = Gauge(
        "feedback.store.batches", "{batch}",
        "Batches per state (open, ready, inflight, dead) in the whole store; every pod reports the same values: aggregate with max, not sum.", "state");

    public static readonly InstrumentDefinition StorePendingEvents = Gauge(
        "feedback.store.pending_events", "{event}", "Events in open, ready and in-flight batches (the backpressure measure); store-wide.");

    public static readonly InstrumentDefinition StoreGuardedIds = Gauge(
        "feedback.store.guarded_ids", "{event}",
        "Event ids in the duplicate guard: pending plus dead events; more means ids were not released. Store-wide.");

    public static readonly InstrumentDefinition StoreDeadEvents = Gauge(
        "feedback.store.dead_events", "{event}",
        "Events in dead batches (guarded ids not pending); consumers pause at FEEDBACK_DEAD_HIGH_WATER. Store-wide.");

    public static readonly InstrumentDefinition StoreOpenEvents = Gauge(
        "feedback.store.open_events", "{event}", "Events in open batches; store-wide.");

    public static readonly InstrumentDefinition StoreBatchesDue = Gauge(
        "feedback.store.batches_due", "{batch}", "Open batches past their deadline, waiting for a due scan; store-wide.");

    public static readonly InstrumentDefinition StoreOldestOpenBatchAge = Gauge(
        "feedback.store.oldest_open_batch_age", "s", "Age of the oldest open batch; store-wide.");

    public static readonly InstrumentDefinition StorePolicyOverrides = Gauge(
        "feedback.store.policy_overrides", "{agent}",
        "Agents (and lanes) with a batch policy of their own (feedbackctl policy; P:policy entries); store-wide.");

    // The flusher and its sink (Flushing/FlusherMetrics.cs).
    public static readonly InstrumentDefinition FlusherBatchesFlushed = Counter(
        "feedback.flusher.batches_flushed", "{batch}",
        "Batches written, announced and acked, by trigger (size, time, overflow, global, manual, quarantine, bytes).", "trigger");

    public static readonly InstrumentDefinition FlusherEventsFlushed = Counter(
        "feedback.flusher.events_flushed", "{event}", "Events in flushed batches, by trigger.", "trigger");

    public static readonly InstrumentDefinition FlusherBatchSize = Histogram(
        "feedback.flusher.batch_size", "{event}", "Events per flushed batch, by trigger.", "trigger") with
    {
        Buckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    };

    public static readonly InstrumentDefinition FlusherBatchAge = Histogram(
        "feedback.flusher.batch_age", "s", "A batch's age when flushed: ack time minus its first item's arrival, by trigger.", "trigger") with
    {
        Buckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    };

    public static readonly InstrumentDefinition FlusherAnnouncements = Counter(
        "feedback.flusher.announcements", "{message}", "feedback.batch.flushed announcements, by outcome (ok, failed).", "outcome");

    public static readonly InstrumentDefinition FlusherItemsQuarantined = Counter(
        "feedback.flusher.items_quarantined", "{item}",
        "Items moved out of a written batch into a dead batch of their own (unreadable, or refused by the sink one by one).");

    public static readonly InstrumentDefinition FlusherBatchesReleased = Counter(
        "feedback.flusher.batches_released", "{batch}", "Claimed batches not acked, by what became of them (retry, returned, dead, lost).", "result");

    /// <summary>
    /// Was <c>feedback.sink.write.duration</c>: the Prometheus name, <c>feedback_sink_write_duration_seconds</c>, is the
    /// same for both, so no alias is emitted (it would be a second series of that name).
    /// </summary>
    public static readonly InstrumentDefinition SinkWriteDuration = Histogram(
        "feedback.sink.write_duration", "s", "Time of one sink bulk write (a claim group), by sink.", "sink") with
    {
        Buckets = LatencyBuckets,
    };

    public static readonly InstrumentDefinition SinkWrites = Counter(
        "feedback.sink.writes", "{batch}",
        "Batches the sink was asked to write, by sink and outcome (written, unavailable, failed, rejected, invalid).", "sink", "outcome");

    public static readonly InstrumentDefinition SinkIdConflicts = Counter(
        "feedback.sink.id_conflicts", "{event}",
        "Events whose id the sink already held for another agent (two producers reusing one id): kept and counted once, for the agent stored first, by sink.",
        "sink");

    /// <summary>Every current instrument.</summary>
    public static readonly IReadOnlyList<InstrumentDefinition> Current =
    [
        ConsumerDeadLetters, ConsumerDeadLettersTruncated, ConsumerDeadLettersDropped, ConsumerAppended, ConsumerDuplicates,
        ConsumerPauses, ConsumerStuck, ConsumerPositionsResolved, ConsumerRewinds, ConsumerLag,
        RedisDuration,
        StoreBatches, StorePendingEvents, StoreGuardedIds, StoreDeadEvents, StoreOpenEvents, StoreBatchesDue, StoreOldestOpenBatchAge, StorePolicyOverrides,
        FlusherBatchesFlushed, FlusherEventsFlushed, FlusherBatchSize, FlusherBatchAge, FlusherAnnouncements, FlusherItemsQuarantined,
        FlusherBatchesReleased,
        SinkWriteDuration, SinkWrites, SinkIdConflicts,
    ];

    /// <summary>
    /// The old names, still emitted with the same values for one release (their description starts "Deprecated: use").
    /// Deleting this table, and nothing else, retires them.
    /// </summary>
    public static readonly IReadOnlyList<InstrumentDefinition> DeprecatedAliases =
    [
        StoreBatches.AliasAs("feedback.batches"),
        StorePendingEvents.AliasAs("feedback.pending_events"),
        StoreGuardedIds.AliasAs("feedback.guarded_ids"),
        StoreDeadEvents.AliasAs("feedback.dead_events"),
        StoreOpenEvents.AliasAs("feedback.open_events"),
        StoreBatchesDue.AliasAs("feedback.batches_due"),
        StoreOldestOpenBatchAge.AliasAs("feedback.oldest_open_batch_age"),
        FlusherBatchesFlushed.AliasAs("feedback.flushes"),
        FlusherEventsFlushed.AliasAs("feedback.flushed_events"),
        FlusherBatchSize.AliasAs("feedback.batch.size"),
        FlusherBatchAge.AliasAs("feedback.batch.age"),
        FlusherAnnouncements.AliasAs("feedback.flushed_publishes"),
        FlusherItemsQuarantined.AliasAs("feedback.items_quarantined"),
        FlusherBatchesReleased.AliasAs("feedback.batches_released"),
    ];

    /// <summary>Everything the meter emits: the current instruments and the deprecated aliases.</summary>
    public static IEnumerable<InstrumentDefinition> Emitted => Current.Concat(DeprecatedAliases);

    /// <summary>The deprecated aliases of <paramref name="instrument"/>, emitted beside it.</summary>
    public static IEnumerable<InstrumentDefinition> AliasesOf(InstrumentDefinition instrument) =>
        DeprecatedAliases.Where(a => ReferenceEquals(a.ReplacedBy, instrument));

    private static InstrumentDefinition Counter(string name, string unit, string description, params string[] labels) =>
        new(name, InstrumentKind.Counter, unit, description, labels);

    private static InstrumentDefinition Histogram(string name, string unit, string description, params string[] labels) =>
        new(name, InstrumentKind.Histogram, unit, description, labels);

    private static InstrumentDefinition Gauge(string name, string unit, string description, params string[] labels) =>
        new(name, InstrumentKind.Gauge, unit, description, labels);
}
