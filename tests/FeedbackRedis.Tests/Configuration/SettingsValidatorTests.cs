using System.Globalization;
using System.Text.RegularExpressions;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Configuration;

/// <summary>
/// The validators the host registers against the settings table, probed at every row's edges: one below the minimum
/// and one above the maximum are refused with the sentence the table implies, the bounds themselves are not; every
/// choice is accepted and anything else refused; the chart's pattern of a text setting accepts what the service does.
/// </summary>
public sealed class SettingsValidatorTests
{
    private static readonly Lazy<ServiceProvider> Provider = new(() => SettingsTableTests.HostServices().BuildServiceProvider());

    private static IEnumerable<TestCaseData> Ranged() => Cases(s => s.HasRange);

    private static IEnumerable<TestCaseData> Choices() => Cases(s => s.Kind == SettingKind.Choice);

    private static IEnumerable<TestCaseData> Patterned() => Cases(s => s.ChartPattern is not null);

    [OneTimeTearDown]
    public void DisposeProvider()
    {
        if (Provider.IsValueCreated)
        {
            Provider.Value.Dispose();
        }
    }

    [TestCaseSource(nameof(Ranged))]
    public void Validators_OnePastEachEndOfTheRange_AreRefusedAndTheEndsAccepted(Setting setting)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Failures(setting, setting.Min - 1), Has.Some.EqualTo(OutOfRange(setting, setting.Min - 1)), "one below the minimum");
            Assert.That(Failures(setting, setting.Min), Has.None.StartsWith(RangePrefix(setting, setting.Min)), "the minimum");
            Assert.That(Failures(setting, setting.Max), Has.None.StartsWith(RangePrefix(setting, setting.Max)), "the maximum");
            Assert.That(Failures(setting, setting.Max + 1), Has.Some.EqualTo(OutOfRange(setting, setting.Max + 1)), "one above the maximum");
        });
    }

    [TestCaseSource(nameof(Choices))]
    public void Validators_AcceptEveryChoice_AndRefuseAnythingElse(Setting setting)
    {
        var property = SettingsTableTests.OptionsBySection[setting.Section].GetProperty(setting.Property)!;
        bool isEnum = property.PropertyType.IsEnum;
        object other = isEnum ? Enum.ToObject(property.PropertyType, 999) : "bogus";
        string shown = isEnum ? "999" : "'bogus'";

        Assert.Multiple(() =>
        {
            foreach (string choice in setting.Choices)
            {
                object value = isEnum ? Enum.Parse(property.PropertyType, choice, ignoreCase: true) : choice;
                string refusal = $"{setting.Name} is {(isEnum ? value : $"'{choice}'")}; allowed: ";
                Assert.That(Failures(setting, value), Has.None.StartsWith(refusal), choice);
            }

            Assert.That(Failures(setting, other), Has.Some.EqualTo($"{setting.Name} is {shown}; allowed: {string.Join(", ", setting.Choices)}."));
        });
    }

    [TestCaseSource(nameof(Patterned))]
    public void ChartPattern_OfATextSetting_FitsTheServiceCheck(Setting setting)
    {
        var regex = new Regex(setting.ChartPattern!, RegexOptions.CultureInvariant);
        var disagreements = new List<string>();
        foreach (string probe in Probes())
        {
            bool chart = regex.IsMatch(probe);
            bool service = !Failures(setting, probe).Any(f => f.StartsWith($"{setting.Name} ", StringComparison.Ordinal));
            bool fits = setting.ChartPatternFit switch
            {
                PatternFit.Exact => chart == service,
                PatternFit.Stricter => !chart || service,
                _ => !service || chart,
            };
            if (!fits)
            {
                disagreements.Add($"'{probe}' ({probe.Length} characters): chart {(chart ? "accepts" : "refuses")}, service {(service ? "accepts" : "refuses")}");
            }
        }

        Assert.That(disagreements, Is.Empty, $"{setting.Name}: chart pattern {setting.ChartPattern} ({setting.ChartPatternFit}) against the validator");
    }

    /// <summary>The sentence <see cref="OptionChecks"/> writes for a value out of a row's range, made here from the row alone.</summary>
    private static string OutOfRange(Setting setting, long value) => setting.Kind == SettingKind.Duration
        ? $"{RangePrefix(setting, value)}{N(setting.Min)} ms to {N(setting.Max)} ms."
        : $"{RangePrefix(setting, value)}{N(setting.Min)} to {N(setting.Max)}.";

    private static string RangePrefix(Setting setting, long value) =>
        $"{setting.Name} is {value.ToString(CultureInfo.InvariantCulture)}{(setting.Kind == SettingKind.Duration ? " ms" : "")}; allowed: ";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>What every validator the host registers for the row's options class says of defaults with this one value.</summary>
    private static List<string> Failures(Setting setting, object value)
    {
        var type = SettingsTableTests.OptionsBySection[setting.Section];
        object options = Activator.CreateInstance(type)!;
        var property = type.GetProperty(setting.Property)!;
        property.SetValue(options, value switch
        {
            long n when property.PropertyType == typeof(int) => checked((int)n),
            long n when property.PropertyType == typeof(TimeSpan) => TimeSpan.FromMilliseconds(n),
            _ => value,
        });

        var validatorType = typeof(IValidateOptions<>).MakeGenericType(type);
        var validate = validatorType.GetMethod(nameof(IValidateOptions<object>.Validate))!;
        var validators = Provider.Value.GetServices(validatorType).ToList();
        Assert.That(validators, Is.Not.Empty, $"no validator for {type.Name}");
        return [.. validators.SelectMany(v => ((ValidateOptionsResult)validate.Invoke(v, [Options.DefaultName, options])!).Failures ?? [])];
    }

    private static IEnumerable<TestCaseData> Cases(Func<Setting, bool> which) =>
        FeedbackSettings.All.Where(which).Select(s => new TestCaseData(s).SetArgDisplayNames(s.Path));

    /// <summary>Edge cases of names, numbers and paths, for the text rules.</summary>
    private static IEnumerable<string> Probes()
    {
        string[] fixedProbes =
        [
            "", " ", "\t", ".", "..", "...", "a", "a.", ".a", "A-z_0.9", "a:b", "a/b", "a b", "a$b", "a\"b", "a\\b", "a\0b", "{a}", "caf\u00e9",
            "system.x", "systemx", "system", "majority", "Majority", "MAJORITY", "majorityx", "0", "00", "1", "007", "49", "50", "050", "51",
            "-1", "1.5", "/data/feedback.jsonl", "/data/", "/data//x", "/var/x", "relative.jsonl", "eu-prod.2",
        ];
        foreach (string probe in fixedProbes)
        {
            yield return probe;
        }

        foreach (int length in new[] { 63, 64, 65, 120, 121, 249, 250 })
        {
            yield return new string('a', length);
            yield return "x." + new string('b', length - 2);
        }
    }
}
