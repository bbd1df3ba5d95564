using System.Globalization;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Configuration;

/// <summary>
/// Collects option failures as sentences that name the setting (environment name and configuration path), the value
/// and what is allowed. One instance per validation.
/// </summary>
internal sealed class OptionChecks(string section)
{
    private readonly List<string> _failures = [];

    /// <summary>
    /// Checks every row of the section in <see cref="FeedbackSettings.All"/> against <paramref name="options"/>, the
    /// section's options object: integers and durations in their range, choices among theirs. Text rows are left to the
    /// validator, which states their rules.
    /// </summary>
    /// <exception cref="InvalidOperationException">A row names a property the options class does not have, or of another type.</exception>
    public void Table(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var setting in FeedbackSettings.InSection(section))
        {
            var property = options.GetType().GetProperty(setting.Property)
                ?? throw new InvalidOperationException($"{setting.Path} names no property of {options.GetType().Name}");
            object? value = property.GetValue(options);
            switch (setting.Kind, value)
            {
                case (SettingKind.Number, int n):
                    Range(setting.Property, n, setting.Min, setting.Max);
                    break;
                case (SettingKind.Number, long n):
                    Range(setting.Property, n, setting.Min, setting.Max);
                    break;
                case (SettingKind.Duration, TimeSpan t):
                    Range(setting.Property, t, TimeSpan.FromMilliseconds(setting.Min), TimeSpan.FromMilliseconds(setting.Max));
                    break;
                case (SettingKind.Choice, Enum e):
                    if (!Enum.IsDefined(e.GetType(), e) || !setting.Choices.Contains(e.ToString(), StringComparer.OrdinalIgnoreCase))
                    {
                        Fail(setting.Property, e.ToString(), setting.AllowedText);
                    }

                    break;
                case (SettingKind.Choice, var text):
                    Require(setting.Property, text, text is string s && setting.Choices.Contains(s, StringComparer.OrdinalIgnoreCase), setting.AllowedText);
                    break;
                case (SettingKind.Text, _):
                    break;
                default:
                    throw new InvalidOperationException($"{setting.Path} is a {setting.Kind} row but {options.GetType().Name}.{setting.Property} is {property.PropertyType.Name}");
            }
        }
    }

    public void Range(string property, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Fail(property, value.ToString(CultureInfo.InvariantCulture), $"{min:N0} to {max:N0}");
        }
    }

    public void Range(string property, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            Fail(property, $"{value.TotalMilliseconds:0.###} ms", $"{min.TotalMilliseconds:N0} ms to {max.TotalMilliseconds:N0} ms");
        }
    }

    public void Require(string property, object? value, bool ok, string allowed)
    {
        if (!ok)
        {
            Fail(property, value is null ? "(empty)" : $"'{value}'", allowed);
        }
    }

    /// <summary>A failure stated as a sentence about the setting, for values that must not be quoted (keys, PEM) or rules between settings.</summary>
    public void Refuse(string property, string problem) =>
        _failures.Add($"{FeedbackEnvironment.Describe($"{section}:{property}")} {problem}.");

    /// <summary>Whether anything failed so far.</summary>
    public bool HasFailures => _failures.Count > 0;

    public ValidateOptionsResult Result() =>
        _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    private void Fail(string property, string value, string allowed) =>
        _failures.Add($"{FeedbackEnvironment.Describe($"{section}:{property}")} is {value}; allowed: {allowed}.");
}
