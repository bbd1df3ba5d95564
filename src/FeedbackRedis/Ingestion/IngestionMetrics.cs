using System.Diagnostics.Metrics;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's instruments, on the <c>FeedbackRedis</c> meter.</summary>
public sealed class IngestionMetrics
{
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _deadLettersTruncated;
    private readonly Counter<long> _deadLettersDropped;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _stuck;
    private readonly Counter<long> _pauses;
    private readonly Counter<long> _resumed;
    private readonly Counter<long> _rewinds;
    private IReadOnlyDictionary<string, long> _lag = new Dictionary<string, long>();

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(FeedbackTelemetry.MeterName);
        _deadLetters = meter.CreateCounter<long>(
            "feedback.consumer.dead_letters", "{message}", "Messages sent to the dead-letter topic, by reason.");
        _deadLettersTruncated = meter.CreateCounter<long>(
            "feedback.consumer.dead_letters_truncated", "{message}",
            "Dead letters the dead-letter topic refused whole (permanently) and took cut down to their first 64 KiB, by reason (also counted in dead_letters).");
        _deadLettersDropped = meter.CreateCounter<long>(
            "feedback.consumer.dead_letters_dropped", "{message}",
            "Dead letters the dead-letter topic refused permanently both whole and cut down: logged and skipped, by reason and error.");
        _appended = meter.CreateCounter<long>(
            "feedback.consumer.appended", "{event}", "Events added to open batches in Redis.");
        _duplicates = meter.CreateCounter<long>(
            "feedback.consumer.duplicates", "{event}", "Redelivered events skipped because their id was in the duplicate guard (appended before, not yet flushed).");
        _pauses = meter.CreateCounter<long>(
            "feedback.consumer.pauses", "{pause}", "Times the consumer paused its partitions, by reason.");
        _stuck = meter.CreateCounter<long>(
            "feedback.consumer.stuck", "{occurrence}", "Times held messages made no progress for FEEDBACK_CONSUMER_STUCK_MS while Redis and the dead-letter topic were reachable (liveness then fails).");
        _resumed = meter.CreateCounter<long>(
            "feedback.consumer.positions_resolved", "{partition}",
            "Assigned partitions positioned after the offset Redis recorded with their events (source=redis) or at Kafka's committed offset because Redis had no record (source=kafka).");
        _rewinds = meter.CreateCounter<long>(
            "feedback.consumer.rewinds", "{partition}",
            "Partitions rewound because Redis held less than this consumer had recorded there (it lost acknowledged writes), by reason: redis-behind (rewound to Redis's record) or redis-empty (no record left: rewound to Kafka's commit).");
        meter.CreateObservableGauge("feedback.consumer.lag", ObserveLag, "{message}",
            "Messages behind the high watermark on the partitions this process owns, by topic (sum over pods for the group's lag).");
    }

    /// <summary>The latest lag per topic, from the consume loop.</summary>
    public void Lag(IReadOnlyDictionary<string, long> byTopic) => Volatile.Write(ref _lag, byTopic);

    private IEnumerable<Measurement<long>> ObserveLag() =>
        Volatile.Read(ref _lag).Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("topic", kv.Key)));

    public void DeadLettered(DeadLetterReason reason) =>
        _deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason.Name()));

    public void DeadLetterTruncated(DeadLetterReason reason) =>
        _deadLettersTruncated.Add(1, new KeyValuePair<string, object?>("reason", reason.Name()));

    public void DeadLetterDropped(DeadLetterReason reason, ErrorCode error) =>
        _deadLettersDropped.Add(
            1,
            new KeyValuePair<string, object?>("reason", reason.Name()),
            new KeyValuePair<string, object?>("error", error.ToString()));

    public void Appended(int added, int duplicates)
    {
        _appended.Add(added);
        if (duplicates > 0)
        {
            _duplicates.Add(duplicates);
        }
    }

    public void Stuck() => _stuck.Add(1);

    public void Resumed(string source, int partitions)
    {
        if (partitions > 0)
        {
            _resumed.Add(partitions, new KeyValuePair<string, object?>("source", source));
        }
    }

    public void Rewound(string reason) => _rewinds.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Paused(PauseReasons reasons) =>
        _pauses.Add(1, new KeyValuePair<string, object?>("reason", reasons.ToString()));
}
