using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Flushing;
using FeedbackRedis.Hosting;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks.MongoDb;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Configuration;

/// <summary>The settings table against the code: options classes, their defaults, their binding and the names the source reads.</summary>
public sealed partial class SettingsTableTests
{
    /// <summary>Every options class the service binds, by section.</summary>
    internal static readonly IReadOnlyDictionary<string, Type> OptionsBySection = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [FeedbackSettings.Batching] = typeof(BatchingOptions),
        [FeedbackSettings.Host] = typeof(FeedbackHostOptions),
        [FeedbackSettings.Redis] = typeof(RedisOptions),
        [FeedbackSettings.Kafka] = typeof(KafkaOptions),
        [FeedbackSettings.Consumer] = typeof(ConsumerOptions),
        [FeedbackSettings.Flusher] = typeof(FlusherOptions),
        [FeedbackSettings.MongoDb] = typeof(MongoSinkOptions),
    };

    private static IEnumerable<TestCaseData> Rows() => FeedbackSettings.All.Select(s => new TestCaseData(s).SetArgDisplayNames(s.Path));

    /// <summary>The services of the host in role all, as the service builds them (no connection is made).</summary>
    internal static IServiceCollection HostServices()
    {
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.AddFeedbackRedis([]);
        return builder.Services;
    }

    [Test]
    public void EveryOptionsProperty_HasARow_AndEveryRowAProperty()
    {
        var rows = FeedbackSettings.All.Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
        var properties = OptionsBySection
            .SelectMany(o => Settable(o.Value).Select(p => $"{o.Key}:{p.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(properties.Except(rows), Is.Empty, "options properties without a row in FeedbackSettings.All");
            Assert.That(rows.Except(properties), Is.Empty, "rows naming no options property");
            Assert.That(FeedbackSettings.Sections.Select(s => s.Section), Is.EquivalentTo(OptionsBySection.Keys), "sections");
        });
    }

    [Test]
    public void EachOptionsClass_DeclaresTheSectionOfItsRows()
    {
        Assert.Multiple(() =>
        {
            foreach (var (section, type) in OptionsBySection)
            {
                Assert.That(type.GetField("Section")?.GetValue(null), Is.EqualTo(section), type.Name);
            }
        });
    }

    [TestCaseSource(nameof(Rows))]
    public void Row_HasTheKindAndDefaultOfItsProperty(Setting setting)
    {
        var type = OptionsBySection[setting.Section];
        var property = type.GetProperty(setting.Property)!;
        object? value = property.GetValue(Activator.CreateInstance(type));

        string? actual = value switch
        {
            int n when setting.Kind == SettingKind.Number => n.ToString(CultureInfo.InvariantCulture),
            long n when setting.Kind == SettingKind.Number => n.ToString(CultureInfo.InvariantCulture),
            TimeSpan t when setting.Kind == SettingKind.Duration => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            Enum e when setting.Kind == SettingKind.Choice => setting.Choices.FirstOrDefault(c => c.Equals(e.ToString(), StringComparison.OrdinalIgnoreCase)),
            string s when setting.Kind is SettingKind.Choice or SettingKind.Text => s,
            _ => null,
        };

        Assert.That(actual, Is.EqualTo(setting.Default),
            $"{type.Name}.{setting.Property} ({property.PropertyType.Name} {value}) against the {setting.Kind} row of default '{setting.Default}'");
    }

    [TestCaseSource(nameof(Rows))]
    public void Row_IsCompleteAndConsistent(Setting setting)
    {
        Assert.Multiple(() =>
        {
            Assert.That(setting.Meaning, Is.Not.Empty);
            if (setting.HasRange)
            {
                Assert.That(setting.Min, Is.LessThanOrEqualTo(setting.Max), "min above max");
                long value = long.Parse(setting.Default, CultureInfo.InvariantCulture);
                Assert.That(value, Is.InRange(setting.Min, setting.Max), "default out of its own range");
                Assert.That(setting.ChartMinimum, Is.InRange(setting.Min, setting.Max), "chart minimum outside the range");
            }
            else
            {
                Assert.That(setting.ChartMin, Is.Null, "a chart minimum without a range");
            }

            if (setting.Kind == SettingKind.Choice)
            {
                Assert.That(setting.Choices, Is.Not.Empty.And.Unique);
                Assert.That(setting.Choices, Does.Contain(setting.Default));
            }

            var property = OptionsBySection[setting.Section].GetProperty(setting.Property)!;
            if (property.PropertyType.IsEnum)
            {
                Assert.That(setting.Choices.Select(c => c.ToLowerInvariant()),
                    Is.EquivalentTo(Enum.GetNames(property.PropertyType).Select(n => n.ToLowerInvariant())),
                    $"choices against the names of {property.PropertyType.Name}");
            }

            if (setting.ChartPattern is not null)
            {
                Assert.That(setting.Kind, Is.EqualTo(SettingKind.Text), "a pattern on a row that is not text");
                Assert.That(Regex.IsMatch(setting.Default, setting.ChartPattern), Is.True, "the chart pattern refuses the default");
            }

            var roles = setting.Section switch
            {
                FeedbackSettings.Consumer => SettingRoles.Consumer,
                FeedbackSettings.Flusher or FeedbackSettings.MongoDb => SettingRoles.Flusher,
                _ => setting.Roles,
            };
            Assert.That(setting.Roles, Is.EqualTo(roles), "a role-only section's row used by the other role");

            if (setting.Secret)
            {
                Assert.That(setting.Chart, Is.Null.Or.StartWith("connections."), "a secret outside the chart's Secret");
            }
        });
    }

    [Test]
    public void NamesAndPaths_AreUnique_AndFollowTheConventions()
    {
        var names = FeedbackSettings.All.Where(s => s.Env is not null).Select(s => s.Env).ToList();
        var charts = FeedbackSettings.All.Where(s => s.Chart?.StartsWith("config.", StringComparison.Ordinal) == true).Select(s => s.Chart).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(names, Is.Unique.And.All.Match("^FEEDBACK_[A-Z0-9_]+$"));
            Assert.That(FeedbackSettings.All.Select(s => s.Path), Is.Unique.And.All.Match("^Feedback:[A-Za-z]+:[A-Za-z]+$"));
            Assert.That(charts, Is.Unique.And.All.Match("^config\\.[a-z][A-Za-z0-9]*$"));
            Assert.That(FeedbackEnvironment.Names, Is.EqualTo(names), "FeedbackEnvironment maps every variable of the table");
        });
    }

    [Test]
    public void EveryFeedbackNameTheSourceMentions_IsInTheTable()
    {
        var known = FeedbackSettings.All.SelectMany(s => new[] { s.Env, s.FormerEnv }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match name in FeedbackName().Matches(File.ReadAllText(file)))
            {
                // A name ending in '_' is a prefix in prose ("FEEDBACK_*", "FEEDBACK_MONGODB_*"), not a variable.
                if (!name.Value.EndsWith('_') && !known.Contains(name.Value))
                {
                    unknown.Add($"{name.Value} ({Path.GetRelativePath(Repository.Root, file)})");
                }
            }
        }

        Assert.That(unknown, Is.Empty, "FEEDBACK_* names read or named in src/ that the settings table does not have");
    }

    [Test]
    public void Host_BindsEveryOptionsClassOnce_WithAValidator()
    {
        var services = HostServices();

        Assert.Multiple(() =>
        {
            foreach (var type in OptionsBySection.Values)
            {
                int bindings = services.Count(d => d.ServiceType == typeof(IOptionsChangeTokenSource<>).MakeGenericType(type));
                int validators = services.Count(d => d.ServiceType == typeof(IValidateOptions<>).MakeGenericType(type));
                Assert.That(bindings, Is.EqualTo(1), $"{type.Name} bound {bindings} times");
                Assert.That(validators, Is.GreaterThanOrEqualTo(1), $"{type.Name} has no validator");
            }
        });
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    [GeneratedRegex("FEEDBACK_[A-Z0-9_]*")]
    private static partial Regex FeedbackName();
}
