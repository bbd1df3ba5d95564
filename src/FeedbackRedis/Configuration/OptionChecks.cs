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

    public void Defined<TEnum>(string property, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Fail(property, value.ToString(), string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant())));
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
