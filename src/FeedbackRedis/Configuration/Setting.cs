using System.Globalization;

namespace FeedbackRedis.Configuration;

/// <summary>How a setting's value is written.</summary>
public enum SettingKind
{
    /// <summary>A whole number between <see cref="Setting.Min"/> and <see cref="Setting.Max"/>.</summary>
    Number,

    /// <summary>
    /// A duration: whole milliseconds in its environment variable and in the chart, a <see cref="TimeSpan"/>
    /// (<c>00:00:01.5</c>) at its configuration path; between <see cref="Setting.Min"/> and <see cref="Setting.Max"/> ms.
    /// </summary>
    Duration,

    /// <summary>One of <see cref="Setting.Choices"/>, in any case.</summary>
    Choice,

    /// <summary>Text; what is allowed is <see cref="Setting.Allowed"/> (checked by the section's validator).</summary>
    Text,
}

/// <summary>The roles whose processes use a setting (all bind it; this says which act on it).</summary>
[Flags]
public enum SettingRoles
{
    Consumer = 1,
    Flusher = 2,
    Both = Consumer | Flusher,
}

/// <summary>How a text setting's chart pattern relates to the service's own check.</summary>
public enum PatternFit
{
    /// <summary>The chart accepts exactly what the service accepts.</summary>
    Exact,

    /// <summary>The chart accepts less (e.g. a path under the volume it mounts); everything it accepts the service accepts.</summary>
    Stricter,

    /// <summary>The chart accepts more than the service, which refuses the rest at start-up (said in <see cref="Setting.Rule"/>).</summary>
    Looser,
}

/// <summary>
/// One row of <see cref="FeedbackSettings.All"/>: a setting's names, default, what is allowed, what it means and where
/// the chart sets it. Validators, the environment mapping and every documentation table are made from these rows.
/// </summary>
public sealed record Setting
{
    /// <summary>Configuration path, <c>Feedback:&lt;Section&gt;:&lt;Property&gt;</c>; the property of the section's options class.</summary>
    public required string Path { get; init; }

    /// <summary>Environment variable (<c>FEEDBACK_*</c>); null for a setting read from configuration only.</summary>
    public string? Env { get; init; }

    public required SettingKind Kind { get; init; }

    /// <summary>The default as written in the environment: digits for numbers and milliseconds, a choice as listed.</summary>
    public required string Default { get; init; }

    /// <summary>Least value (integers; durations in ms).</summary>
    public long Min { get; init; }

    /// <summary>Greatest value (integers; durations in ms).</summary>
    public long Max { get; init; }

    /// <summary>Unit of an integer for people (<c>bytes</c>, <c>days</c>); durations are in ms.</summary>
    public string Unit { get; init; } = "";

    /// <summary>A choice setting's values, as documented (matched case-insensitively).</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>A text setting's rule in words, as the validator states it.</summary>
    public string? Allowed { get; init; }

    /// <summary>A rule that involves other settings, in words (checked by the section's validator).</summary>
    public string? Rule { get; init; }

    /// <summary>Never logged, and kept in the chart's Secret.</summary>
    public bool Secret { get; init; }

    public SettingRoles Roles { get; init; } = SettingRoles.Both;

    /// <summary>What it does, for the documentation tables (Markdown code spans allowed, no links).</summary>
    public required string Meaning { get; init; }

    /// <summary>The chart value that sets it (<c>config.batchSize</c>, <c>connections.redis</c>, <c>httpPort</c>); null if none.</summary>
    public string? Chart { get; init; }

    /// <summary>The chart's least value when it must be above the service's (a container port cannot be 0).</summary>
    public long? ChartMin { get; init; }

    /// <summary>The chart schema's pattern for a text setting (RE2 and .NET syntax alike: no look-arounds).</summary>
    public string? ChartPattern { get; init; }

    public PatternFit ChartPatternFit { get; init; }

    /// <summary>
    /// The environment variable's former name, still read for one release when the new one is not set (the host logs a
    /// warning naming both); null when it was never renamed.
    /// </summary>
    public string? FormerEnv { get; init; }

    /// <summary>The chart value's former name (<c>config.globalShards</c>), still honoured for one release; null if none.</summary>
    public string? FormerChart { get; init; }

    /// <summary>
    /// The configuration path's former name (<c>Feedback:Batching:GlobalShards</c>, in appsettings, a
    /// <c>Feedback__Batching__GlobalShards</c> variable or on the command line), still read for one release when the new
    /// path is not set, like <see cref="FormerEnv"/>; null when it was never renamed.
    /// </summary>
    public string? FormerPath { get; init; }

    /// <summary>
    /// This setting's former names that are still read, with the name each stands for and whether it is a configuration
    /// path (read from the configuration) or a variable (read from the environment).
    /// </summary>
    public IEnumerable<(string Former, string Current, bool IsPath)> FormerNames()
    {
        if (FormerEnv is not null && Env is not null)
        {
            yield return (FormerEnv, Env, false);
        }

        if (FormerPath is not null)
        {
            yield return (FormerPath, Path, true);
        }
    }

    /// <summary>Exists for the crash tests only.</summary>
    public bool TestHook { get; init; }

    /// <summary><c>Feedback:Batching</c> for <c>Feedback:Batching:BatchSize</c>.</summary>
    public string Section => Path[..Path.LastIndexOf(':')];

    /// <summary><c>BatchSize</c> for <c>Feedback:Batching:BatchSize</c>.</summary>
    public string Property => Path[(Path.LastIndexOf(':') + 1)..];

    /// <summary>How messages name it: <c>FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize)</c>, or the path alone.</summary>
    public string Name => Env is null ? Path : $"{Env} ({Path})";

    /// <summary>Whether it has a numeric range (<see cref="Min"/>, <see cref="Max"/>).</summary>
    public bool HasRange => Kind is SettingKind.Number or SettingKind.Duration;

    /// <summary>The chart's least value: <see cref="ChartMin"/> or <see cref="Min"/>.</summary>
    public long ChartMinimum => ChartMin ?? Min;

    /// <summary>What is allowed, for people: <c>1 to 100,000</c>, <c>10 to 86,400,000 ms</c>, <c>agent, global, hybrid</c>.</summary>
    public string AllowedText => Kind switch
    {
        SettingKind.Number => Unit.Length == 0 ? $"{Format(Min)} to {Format(Max)}" : $"{Format(Min)} to {Format(Max)} {Unit}",
        SettingKind.Duration => $"{Format(Min)} to {Format(Max)} ms",
        SettingKind.Choice => string.Join(", ", Choices),
        _ => Allowed ?? "",
    };

    /// <summary><see cref="AllowedText"/> and <see cref="Rule"/>, for documentation tables.</summary>
    public string RangeText => Rule is null ? AllowedText : AllowedText.Length == 0 ? Rule : $"{AllowedText}; {Rule}";

    /// <summary>
    /// The default as an operator writes it where this setting is set: the environment form, or for a duration read from
    /// configuration only a <see cref="TimeSpan"/>.
    /// </summary>
    public string DefaultText => Kind == SettingKind.Duration && Env is null
        ? TimeSpan.FromMilliseconds(long.Parse(Default, CultureInfo.InvariantCulture)).ToString("c", CultureInfo.InvariantCulture)
        : Default;

    private static string Format(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
