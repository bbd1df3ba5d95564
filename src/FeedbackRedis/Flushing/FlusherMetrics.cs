using System.Diagnostics.Metrics;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Flushing;

/// <summary>The flusher's metrics (Prometheus names in docs/OPERATIONS.md).</summary>
public sealed class FlusherMetrics
{
    private readonly Counter<long> _batchesFlushed;
    private readonly Counter<long> _eventsFlushed;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _batchAge;
    private readonly Histogram<double> _writeDuration;
    private readonly Counter<long> _sinkResults;
    private readonly Counter<long> _publishes;
    private readonly Counter<long> _settled;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _idConflicts;

    public FlusherMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(FeedbackTelemetry.MeterName);
        _batchesFlushed = meter.CreateCounter<long>("feedback.flushes", "{batch}", "Batches written, announced and acked, by trigger (size, time, overflow, global, manual).");
        _eventsFlushed = meter.CreateCounter<long>("feedback.flushed_events", "{event}", "Events in flushed batches.");
        _batchSize = meter.CreateHistogram<long>("feedback.batch.size", "{event}", "Events per flushed batch.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000] });
        _batchAge = meter.CreateHistogram<double>("feedback.batch.age", "s", "A batch's age when flushed: ack time minus its first item's arrival.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800] });
        _writeDuration = meter.CreateHistogram<double>("feedback.sink.write.duration", "s", "Time of one sink bulk write (a claim group), by sink.");
        _sinkResults = meter.CreateCounter<long>("feedback.sink.writes", "{batch}", "Batches the sink was asked to write, by sink and outcome (written, unavailable, failed, rejected, invalid).");
        _idConflicts = meter.CreateCounter<long>("feedback.sink.id_conflicts", "{event}", "Events whose id the sink already held for another agent (two producers reusing one id): kept and counted once, for the agent stored first, by sink.");
        _publishes = meter.CreateCounter<long>("feedback.flushed_publishes", "{message}", "feedback.batch.flushed announcements, by outcome (ok, failed).");
        _quarantined = meter.CreateCounter<long>("feedback.items_quarantined", "{item}", "Items moved out of a written batch into a dead batch of their own (unreadable, or refused by the sink one by one).");
        _settled = meter.CreateCounter<long>("feedback.batches_released", "{batch}", "Claimed batches not acked, by what became of them (retry, returned, dead, lost).");
    }

    public void Flushed(FeedbackBatch batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var trigger = new KeyValuePair<string, object?>("trigger", batch.Claim.Trigger.ToString().ToLowerInvariant());
        _batchesFlushed.Add(1, trigger);
        _eventsFlushed.Add(batch.Events.Count, trigger);
        _batchSize.Record(batch.Events.Count, trigger);
        _batchAge.Record(Math.Max(0, (now - batch.Claim.OpenedAt).TotalSeconds), trigger);
    }

    public void SinkWrite(string sink, TimeSpan elapsed, IEnumerable<BatchWriteResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        _writeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("sink", sink));
        foreach (var result in results)
        {
            _sinkResults.Add(1, new("sink", sink), new("outcome", result.Outcome.ToString().ToLowerInvariant()));
            if (result.IdConflicts > 0)
            {
                _idConflicts.Add(result.IdConflicts, new KeyValuePair<string, object?>("sink", sink));
            }
        }
    }

    public void Published(bool ok) => _publishes.Add(1, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));

    public void Quarantined(int items) => _quarantined.Add(items);

    public void Released(ReleaseMode mode, ReleaseOutcome outcome) =>
        _settled.Add(1, new KeyValuePair<string, object?>("result", outcome switch
        {
            ReleaseOutcome.Dead => "dead",
            ReleaseOutcome.Stale => "lost",
            _ when mode == ReleaseMode.Retry => "retry",
            _ => "returned",
        }));
}
