using System.Diagnostics.Metrics;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Flushing;

/// <summary>The flusher's and its sink's instruments (<see cref="FeedbackInstruments"/>: <c>feedback.flusher.*</c>, <c>feedback.sink.*</c>).</summary>
public sealed class FlusherMetrics
{
    private readonly FeedbackCounter _batchesFlushed;
    private readonly FeedbackCounter _eventsFlushed;
    private readonly FeedbackHistogram<long> _batchSize;
    private readonly FeedbackHistogram<double> _batchAge;
    private readonly FeedbackHistogram<double> _writeDuration;
    private readonly FeedbackCounter _sinkResults;
    private readonly FeedbackCounter _announcements;
    private readonly FeedbackCounter _released;
    private readonly FeedbackCounter _quarantined;
    private readonly FeedbackCounter _idConflicts;

    public FlusherMetrics(IMeterFactory meterFactory)
    {
        var meter = FeedbackMeter.Create(meterFactory);
        _batchesFlushed = meter.Counter(FeedbackInstruments.FlusherBatchesFlushed);
        _eventsFlushed = meter.Counter(FeedbackInstruments.FlusherEventsFlushed);
        _batchSize = meter.Histogram<long>(FeedbackInstruments.FlusherBatchSize);
        _batchAge = meter.Histogram<double>(FeedbackInstruments.FlusherBatchAge);
        _writeDuration = meter.Histogram<double>(FeedbackInstruments.SinkWriteDuration);
        _sinkResults = meter.Counter(FeedbackInstruments.SinkWrites);
        _idConflicts = meter.Counter(FeedbackInstruments.SinkIdConflicts);
        _announcements = meter.Counter(FeedbackInstruments.FlusherAnnouncements);
        _quarantined = meter.Counter(FeedbackInstruments.FlusherItemsQuarantined);
        _released = meter.Counter(FeedbackInstruments.FlusherBatchesReleased);
    }

    public void Flushed(FeedbackBatch batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var trigger = new KeyValuePair<string, object?>("trigger", LabelValues.Of(batch.Claim.Trigger));
        _batchesFlushed.Add(1, trigger);
        _eventsFlushed.Add(batch.Events.Count, trigger);
        _batchSize.Record(batch.Events.Count, trigger);
        _batchAge.Record(Math.Max(0, (now - batch.Claim.OpenedAt).TotalSeconds), trigger);
    }

    public void SinkWrite(string sink, TimeSpan elapsed, IEnumerable<BatchWriteResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sinkLabel = new KeyValuePair<string, object?>("sink", sink);
        _writeDuration.Record(elapsed.TotalSeconds, sinkLabel);
        foreach (var result in results)
        {
            _sinkResults.Add(1, sinkLabel, new("outcome", LabelValues.Of(result.Outcome)));
            if (result.IdConflicts > 0)
            {
                _idConflicts.Add(result.IdConflicts, sinkLabel);
            }
        }
    }

    public void Published(bool ok) => _announcements.Add(1, new("outcome", ok ? "ok" : "failed"));

    public void Quarantined(int items) => _quarantined.Add(items);

    public void Released(ReleaseMode mode, ReleaseOutcome outcome) =>
        _released.Add(1, new KeyValuePair<string, object?>("result", outcome switch
        {
            ReleaseOutcome.Dead => "dead",
            ReleaseOutcome.Stale => "lost",
            _ when mode == ReleaseMode.Retry => "retry",
            _ => "returned",
        }));
}
