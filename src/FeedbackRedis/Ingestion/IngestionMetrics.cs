using System.Diagnostics.Metrics;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's instruments (<see cref="FeedbackInstruments"/>: <c>feedback.consumer.*</c>).</summary>
public sealed class IngestionMetrics
{
    private readonly FeedbackCounter _deadLetters;
    private readonly FeedbackCounter _deadLettersTruncated;
    private readonly FeedbackCounter _deadLettersDropped;
    private readonly FeedbackCounter _appended;
    private readonly FeedbackCounter _duplicates;
    private readonly FeedbackCounter _stuck;
    private readonly FeedbackCounter _pauses;
    private readonly FeedbackCounter _resumed;
    private readonly FeedbackCounter _rewinds;
    private IReadOnlyDictionary<string, long> _lag = new Dictionary<string, long>();

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = FeedbackMeter.Create(meterFactory);
        _deadLetters = meter.Counter(FeedbackInstruments.ConsumerDeadLetters);
        _deadLettersTruncated = meter.Counter(FeedbackInstruments.ConsumerDeadLettersTruncated);
        _deadLettersDropped = meter.Counter(FeedbackInstruments.ConsumerDeadLettersDropped);
        _appended = meter.Counter(FeedbackInstruments.ConsumerAppended);
        _duplicates = meter.Counter(FeedbackInstruments.ConsumerDuplicates);
        _pauses = meter.Counter(FeedbackInstruments.ConsumerPauses);
        _stuck = meter.Counter(FeedbackInstruments.ConsumerStuck);
        _resumed = meter.Counter(FeedbackInstruments.ConsumerPositionsResolved);
        _rewinds = meter.Counter(FeedbackInstruments.ConsumerRewinds);
        meter.Gauge(FeedbackInstruments.ConsumerLag, ObserveLag);
    }

    /// <summary>The latest lag per topic, from the consume loop.</summary>
    public void Lag(IReadOnlyDictionary<string, long> byTopic) => Volatile.Write(ref _lag, byTopic);

    private IEnumerable<Measurement<long>> ObserveLag() =>
        Volatile.Read(ref _lag).Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("topic", kv.Key)));

    public void DeadLettered(DeadLetterReason reason) => _deadLetters.Add(1, new("reason", reason.Name()));

    public void DeadLetterTruncated(DeadLetterReason reason) => _deadLettersTruncated.Add(1, new("reason", reason.Name()));

    /// <summary>Counts a dropped dead letter; the error is labelled in kebab-case (<c>MsgSizeTooLarge</c>: <c>msg-size-too-large</c>).</summary>
    public void DeadLetterDropped(DeadLetterReason reason, ErrorCode error) =>
        _deadLettersDropped.Add(1, new("reason", reason.Name()), new("error", LabelValues.Of(error)));

    public void Appended(int added, int duplicates)
    {
        _appended.Add(added);
        if (duplicates > 0)
        {
            _duplicates.Add(duplicates);
        }
    }

    public void Stuck() => _stuck.Add(1);

    /// <param name="source"><c>redis</c> or <c>kafka</c>.</param>
    public void Resumed(string source, int partitions)
    {
        if (partitions > 0)
        {
            _resumed.Add(partitions, new("source", source));
        }
    }

    /// <param name="reason"><c>redis-behind</c> or <c>redis-empty</c>.</param>
    public void Rewound(string reason) => _rewinds.Add(1, new("reason", reason));

    /// <summary>One pause, counted once under each of its reasons (<see cref="PauseReasonNames"/>).</summary>
    public void Paused(PauseReasons reasons)
    {
        foreach (string name in PauseReasonNames.Of(reasons))
        {
            _pauses.Add(1, new("reason", name));
        }
    }
}
