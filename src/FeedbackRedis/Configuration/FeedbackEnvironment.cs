using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.Configuration;

/// <summary>
/// The <c>FEEDBACK_*</c> environment names operators know (from the service this one replaces), mapped onto
/// configuration paths by <see cref="FeedbackSettings.All"/>. Values are type-checked here, so
/// <c>FEEDBACK_BATCH_SIZE=abc</c> stops start-up with a sentence naming the variable; ranges are checked by each options
/// validator, from the same table.
/// </summary>
public static class FeedbackEnvironment
{
    /// <summary>The environment names this service reads, in documentation order.</summary>
    public static IEnumerable<string> Names => FeedbackSettings.All.Where(s => s.Env is not null).Select(s => s.Env!);

    /// <summary>
    /// Adds the <c>FEEDBACK_*</c> variables found in <paramref name="environment"/> (the process environment when
    /// null) as configuration, after checking their types.
    /// </summary>
    /// <exception cref="FeedbackConfigurationException">A variable's value has the wrong type.</exception>
    public static IConfigurationBuilder AddFeedbackEnvironment(
        this IConfigurationBuilder builder,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        environment ??= ProcessEnvironment();

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in FeedbackSettings.All)
        {
            if (setting.Env is null)
            {
                continue;
            }

            string? raw = Find(environment, setting.Env);
            string? former = setting.FormerEnv is null ? null : Find(environment, setting.FormerEnv);
            ThrowIfBothDiffer(setting.Env, raw, setting.FormerEnv, former);
            if (raw is not null)
            {
                values[setting.Path] = Convert(setting, setting.Env, raw);
            }
            else if (former is not null)
            {
                values[setting.Path] = Convert(setting, setting.FormerEnv!, former);
            }
        }

        return builder.AddInMemoryCollection(values);
    }

    /// <summary>
    /// Reads each renamed configuration path (<see cref="Setting.FormerPath"/>) found in <paramref name="configuration"/>,
    /// from any source, under its new path when that is not set (an in-memory source added last), as
    /// <see cref="AddFeedbackEnvironment"/> does for a former variable: the same value under both is fine, different
    /// values refuse start-up naming both.
    /// </summary>
    /// <exception cref="FeedbackConfigurationException">A former path and its new path hold different values.</exception>
    public static void AddFormerPaths(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in FeedbackSettings.All.Where(s => s.FormerPath is not null))
        {
            string? former = Trimmed(configuration[setting.FormerPath!]);
            string? current = Trimmed(configuration[setting.Path]);
            ThrowIfBothDiffer(setting.Path, current, setting.FormerPath!, former);
            if (current is null && former is not null)
            {
                values[setting.Path] = former;
            }
        }

        if (values.Count > 0)
        {
            configuration.AddInMemoryCollection(values);
        }
    }

    /// <summary>
    /// The renamed settings set under a former name: variables in <paramref name="environment"/> (the process environment
    /// when null) and, with <paramref name="configuration"/>, configuration paths. Each still works for one release; the
    /// host logs a warning naming both (<c>FormerNamesNotice</c>).
    /// </summary>
    public static IReadOnlyList<(string Former, string Current)> FormerNamesUsed(
        IReadOnlyDictionary<string, string?>? environment = null, IConfiguration? configuration = null)
    {
        environment ??= ProcessEnvironment();
        return FeedbackSettings.All
            .SelectMany(s => s.FormerNames())
            .Where(n => n.IsPath
                ? configuration is not null && Trimmed(configuration[n.Former]) is not null
                : Find(environment, n.Former) is not null)
            .Select(n => (n.Former, n.Current))
            .ToList();
    }

    /// <summary>
    /// The one rule for every former name (variable or path): set alone it is used; set with the current name to the
    /// same value it is fine; to a different value start-up is refused, naming both.
    /// </summary>
    private static void ThrowIfBothDiffer(string current, string? currentValue, string? former, string? formerValue)
    {
        if (currentValue is not null && formerValue is not null && !string.Equals(currentValue, formerValue, StringComparison.Ordinal))
        {
            throw new FeedbackConfigurationException(
                $"{current}='{currentValue}' and its former name {former}='{formerValue}' are both set, to different values; set only {current}.");
        }
    }

    private static string? Trimmed(string? value) => value?.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    /// <summary>
    /// Checks that every setting found in <paramref name="configuration"/>, from any source (environment, a
    /// <c>Feedback__Batching__BatchSize</c> variable, appsettings, the command line), can be bound: a whole number that
    /// fits, a duration, one of the choices. Binding would otherwise fail later with a stack trace instead of a sentence.
    /// </summary>
    /// <exception cref="FeedbackConfigurationException">A value cannot be read as its setting's type.</exception>
    public static void ThrowIfUnreadable(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (setting, name, value) in FeedbackSettings.All.SelectMany(s => Values(configuration, s)))
        {
            bool readable = value is null || setting.Kind switch
            {
                SettingKind.Number => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && Fits(setting, n),
                SettingKind.Duration => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _),
                SettingKind.Choice => IsChoice(setting, value.Trim()),
                _ => true,
            };
            if (!readable)
            {
                string allowed = setting.Kind switch
                {
                    SettingKind.Number => $"a whole number, {setting.AllowedText}",
                    SettingKind.Duration => $"a duration such as 00:00:01.5, {setting.AllowedText}",
                    _ => setting.AllowedText,
                };
                throw new FeedbackConfigurationException($"{name} is '{value}'; allowed: {allowed}.");
            }
        }
    }

    /// <summary>A setting's value under its former path (named so in a refusal) and under its own path.</summary>
    private static IEnumerable<(Setting Setting, string Name, string? Value)> Values(IConfiguration configuration, Setting setting)
    {
        if (setting.FormerPath is not null)
        {
            yield return (setting, setting.FormerPath, configuration[setting.FormerPath]);
        }

        yield return (setting, setting.Name, configuration[setting.Path]);
    }

    /// <summary>Names a configuration path for people: <c>FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize)</c>.</summary>
    public static string Describe(string path) => FeedbackSettings.Find(path)?.Name ?? path;

    private static Dictionary<string, string?> ProcessEnvironment() => Environment.GetEnvironmentVariables()
        .Cast<DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

    private static string? Find(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var raw) && raw is not null ? raw.Trim() : null;

    /// <summary>Type-checks <paramref name="raw"/>, read from the variable <paramref name="env"/> (the setting's name or its former one).</summary>
    private static string Convert(Setting setting, string env, string raw)
    {
        switch (setting.Kind)
        {
            case SettingKind.Number:
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out long number))
                {
                    throw new FeedbackConfigurationException($"{env}='{raw}' is not a whole number.");
                }

                return Fits(setting, number) ? raw : throw OutOfRange(setting, env, raw);
            case SettingKind.Choice when !IsChoice(setting, raw):
                throw new FeedbackConfigurationException($"{env}='{raw}' is not one of: {setting.AllowedText}.");
            case SettingKind.Duration:
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms))
                {
                    throw new FeedbackConfigurationException($"{env}='{raw}' is not a whole number of milliseconds.");
                }

                return Fits(setting, ms)
                    ? TimeSpan.FromMilliseconds(ms).ToString("c", CultureInfo.InvariantCulture)
                    : throw OutOfRange(setting, env, raw);
            default:
                return raw;
        }
    }

    /// <summary>
    /// Whether a number can reach the options at all (the validator then checks the range): within a 32-bit integer, or
    /// within the row's range where that is wider. Beyond it binding would overflow.
    /// </summary>
    private static bool Fits(Setting setting, long value) =>
        value >= Math.Min(setting.Min, int.MinValue) && value <= Math.Max(setting.Max, int.MaxValue);

    private static bool IsChoice(Setting setting, string value) => setting.Choices.Contains(value, StringComparer.OrdinalIgnoreCase);

    private static FeedbackConfigurationException OutOfRange(Setting setting, string env, string raw) =>
        new($"{env}='{raw}' is out of range; allowed: {setting.AllowedText}.");
}
