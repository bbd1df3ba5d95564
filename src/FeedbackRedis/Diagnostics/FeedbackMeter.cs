using System.Diagnostics.Metrics;
using System.Numerics;

namespace FeedbackRedis.Diagnostics;

/// <summary>
/// Creates <see cref="FeedbackInstruments"/>' instruments on the service's meter, each together with its deprecated
/// aliases, so a recorder writes a value once and every name of the instrument gets it.
/// </summary>
public static class FeedbackMeter
{
    /// <summary>The service's meter, from <paramref name="meterFactory"/> (one per factory: the factory caches it).</summary>
    public static Meter Create(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        return meterFactory.Create(FeedbackTelemetry.MeterName);
    }

    /// <summary>A counter and its aliases.</summary>
    public static FeedbackCounter Counter(this Meter meter, InstrumentDefinition definition) =>
        new([.. Names(definition, InstrumentKind.Counter).Select(d => meter.CreateCounter<long>(d.Name, d.Unit, d.Description))]);

    /// <summary>A histogram and its aliases, with the definition's bucket advice.</summary>
    public static FeedbackHistogram<T> Histogram<T>(this Meter meter, InstrumentDefinition definition)
        where T : struct, INumber<T>
    {
        var advice = definition.Buckets is { } buckets
            ? new InstrumentAdvice<T> { HistogramBucketBoundaries = [.. buckets.Select(T.CreateChecked)] }
            : null;
        return new([.. Names(definition, InstrumentKind.Histogram)
            .Select(d => meter.CreateHistogram<T>(d.Name, d.Unit, d.Description, tags: null, advice))]);
    }

    /// <summary>An observable gauge and its aliases, all read from <paramref name="observe"/>.</summary>
    public static void Gauge<T>(this Meter meter, InstrumentDefinition definition, Func<IEnumerable<Measurement<T>>> observe)
        where T : struct
    {
        foreach (var d in Names(definition, InstrumentKind.Gauge))
        {
            meter.CreateObservableGauge(d.Name, observe, d.Unit, d.Description);
        }
    }

    private static IEnumerable<InstrumentDefinition> Names(InstrumentDefinition definition, InstrumentKind kind)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Kind != kind || definition.ReplacedBy is not null)
        {
            throw new ArgumentException($"{definition.Name} is a {definition.Kind}{(definition.ReplacedBy is null ? "" : " alias")}, not a current {kind}", nameof(definition));
        }

        return FeedbackInstruments.AliasesOf(definition).Prepend(definition);
    }
}
