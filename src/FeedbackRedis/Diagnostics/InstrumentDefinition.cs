namespace FeedbackRedis.Diagnostics;

/// <summary>What an instrument measures with.</summary>
public enum InstrumentKind
{
    /// <summary>A monotonic count (Prometheus: <c>_total</c>).</summary>
    Counter,

    /// <summary>A distribution (Prometheus: <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</summary>
    Histogram,

    /// <summary>An observable gauge, read at each collection.</summary>
    Gauge,
}

/// <summary>
/// One instrument of the <see cref="FeedbackTelemetry.MeterName"/> meter: its name, unit (UCUM), description, kind and
/// the label keys its measurements carry. <see cref="FeedbackInstruments"/> holds every one.
/// </summary>
/// <param name="Name">OpenTelemetry name, <c>feedback.&lt;component&gt;.&lt;snake_name&gt;</c>.</param>
/// <param name="Unit">UCUM: <c>s</c>, or an annotation such as <c>{batch}</c>.</param>
/// <param name="Labels">The label keys a measurement may carry; <see cref="FeedbackInstruments.VerbatimLabels"/> hold values from outside, every other holds a kebab-case value.</param>
public sealed record InstrumentDefinition(string Name, InstrumentKind Kind, string Unit, string Description, IReadOnlyList<string> Labels)
{
    /// <summary>Bucket boundaries advised to the exporter (histograms), or null for the exporter's default.</summary>
    public IReadOnlyList<double>? Buckets { get; init; }

    /// <summary>On a deprecated alias: the instrument that replaces it; null on a current instrument.</summary>
    public InstrumentDefinition? ReplacedBy { get; init; }

    /// <summary>The name the Prometheus exporter gives it: dots to underscores, <c>_seconds</c> for <c>s</c>, <c>_total</c> for counters.</summary>
    public string PrometheusName
    {
        get
        {
            string name = Name.Replace('.', '_');
            if (Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
            {
                name += "_seconds";
            }

            return Kind == InstrumentKind.Counter ? name + "_total" : name;
        }
    }

    /// <summary>The alias <paramref name="oldName"/> of this instrument: same kind, unit and labels, marked deprecated.</summary>
    internal InstrumentDefinition AliasAs(string oldName) => this with
    {
        Name = oldName,
        Description = $"Deprecated: use {Name} (Prometheus {PrometheusName}). {Description}",
        ReplacedBy = this,
    };
}
