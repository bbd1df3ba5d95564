using System.Diagnostics.Metrics;
using FeedbackRedis.Diagnostics;

namespace FeedbackRedis.Batching;

/// <summary>
/// Batch-engine metrics (<see cref="FeedbackInstruments"/>: <c>feedback.store.*</c>, <c>feedback.redis.duration</c>):
/// batches per state and pending events (observable gauges over the latest <see cref="StoreCounts"/> that
/// <see cref="StoreGaugeRefresher"/> reads every few seconds, so a scrape never waits on Redis), and the round-trip time
/// of every engine operation.
/// </summary>
public sealed class StoreMetrics
{
    private readonly FeedbackHistogram<double> _redisDuration;
    private StoreCounts? _latest;

    public StoreMetrics(IMeterFactory meterFactory)
    {
        var meter = FeedbackMeter.Create(meterFactory);
        _redisDuration = meter.Histogram<double>(FeedbackInstruments.RedisDuration);
        meter.Gauge(FeedbackInstruments.StoreBatches, ObserveBatches);
        meter.Gauge(FeedbackInstruments.StorePendingEvents, () => Observe(c => c.PendingEvents));
        meter.Gauge(FeedbackInstruments.StoreGuardedIds, () => Observe(c => c.GuardedIds));
        meter.Gauge(FeedbackInstruments.StoreDeadEvents, () => Observe(c => c.DeadEvents));
        meter.Gauge(FeedbackInstruments.StoreOpenEvents, () => Observe(c => c.OpenEvents));
        meter.Gauge(FeedbackInstruments.StoreBatchesDue, () => Observe(c => c.DueBatches));
        meter.Gauge(FeedbackInstruments.StoreOldestOpenBatchAge, () => Observe(c => c.OldestOpenAge?.TotalSeconds ?? 0));
        meter.Gauge(FeedbackInstruments.StorePolicyOverrides, () => Observe(c => c.PolicyOverrides));
    }

    /// <summary>Records one engine operation's round trip; <paramref name="operation"/> is a script or command name (<c>seal_due</c> is labelled <c>seal-due</c>).</summary>
    public void RecordRedis(string operation, TimeSpan elapsed, bool ok)
    {
        ArgumentNullException.ThrowIfNull(operation);
        _redisDuration.Record(elapsed.TotalSeconds, new("operation", operation.Replace('_', '-')), new("outcome", ok ? "ok" : "error"));
    }

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
