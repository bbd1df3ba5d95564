using System.Diagnostics.Metrics;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Diagnostics;

/// <summary>
/// Batch-engine metrics: batches per state and pending events (observable gauges over the latest
/// <see cref="StoreCounts"/> that <see cref="StoreGaugeRefresher"/> reads every few seconds, so a scrape never waits
/// on Redis), and the round-trip time of every engine operation.
/// </summary>
public sealed class StoreMetrics
{
    private readonly Histogram<double> _redisDuration;
    private StoreCounts? _latest;

    public StoreMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(FeedbackTelemetry.MeterName);
        _redisDuration = meter.CreateHistogram<double>(
            "feedback.redis.duration", "s", "Round-trip time of batch-engine operations on Redis, by operation and outcome.");
        meter.CreateObservableGauge("feedback.batches", ObserveBatches, "{batch}",
            "Batches per state (open, ready, inflight, dead) in the whole store; every pod reports the same values: aggregate with max, not sum.");
        meter.CreateObservableGauge("feedback.pending_events", () => Observe(c => c.PendingEvents), "{event}",
            "Events in open, ready and in-flight batches (the backpressure measure); store-wide.");
        meter.CreateObservableGauge("feedback.guarded_ids", () => Observe(c => c.GuardedIds), "{event}",
            "Event ids in the duplicate guard: pending plus dead events; more means ids were not released. Store-wide.");
        meter.CreateObservableGauge("feedback.dead_events", () => Observe(c => c.DeadEvents), "{event}",
            "Events in dead batches (guarded ids not pending); consumers pause at FEEDBACK_DEAD_HIGH_WATER.");
        meter.CreateObservableGauge("feedback.open_events", () => Observe(c => c.OpenEvents), "{event}",
            "Events in open batches; store-wide.");
        meter.CreateObservableGauge("feedback.batches_due", () => Observe(c => c.DueBatches), "{batch}",
            "Open batches past their deadline, waiting for a due scan; store-wide.");
        meter.CreateObservableGauge("feedback.oldest_open_batch_age", () => Observe(c => c.OldestOpenAge?.TotalSeconds ?? 0), "s",
            "Age of the oldest open batch; store-wide.");
    }

    /// <summary>Records one engine operation's round trip.</summary>
    public void RecordRedis(string operation, TimeSpan elapsed, bool ok) =>
        _redisDuration.Record(elapsed.TotalSeconds, new("operation", operation), new("outcome", ok ? "ok" : "error"));

    /// <summary>Publishes a fresh reading of the store's counts.</summary>
    public void Update(StoreCounts counts) => Volatile.Write(ref _latest, counts);

    private IEnumerable<Measurement<long>> ObserveBatches()
    {
        if (Volatile.Read(ref _latest) is not { } c)
        {
            yield break;
        }

        yield return new(c.OpenBatches, new KeyValuePair<string, object?>("state", "open"));
        yield return new(c.ReadyBatches, new KeyValuePair<string, object?>("state", "ready"));
        yield return new(c.InFlightBatches, new KeyValuePair<string, object?>("state", "inflight"));
        yield return new(c.DeadBatches, new KeyValuePair<string, object?>("state", "dead"));
    }

    private IEnumerable<Measurement<T>> Observe<T>(Func<StoreCounts, T> value)
        where T : struct
    {
        if (Volatile.Read(ref _latest) is { } c)
        {
            yield return new(value(c));
        }
    }
}
