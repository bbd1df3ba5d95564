using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FeedbackRedis.Configuration;

namespace FeedbackRedis.Tests.Configuration;

/// <summary>
/// Each copy of a setting outside the code, read as its reader reads it, against its row of the settings table: the
/// chart's schema bounds, enums and patterns, its <c>values.yaml</c> defaults, the variables its templates map from
/// each value, and the default and range cells of every documentation table, and the defaults stated in the docs' prose.
/// These fail on a hand edit of a generated part as well as on a wrong generator.
/// </summary>
public sealed partial class SettingsDriftTests
{
    private static readonly Lazy<JsonNode> Schema = new(() => JsonNode.Parse(Repository.Read(SettingsDocuments.ValuesSchema))!);

    private static IEnumerable<TestCaseData> ChartRows() =>
        FeedbackSettings.All.Where(s => s.Chart is not null && !s.Chart.StartsWith("kafkaTls.", StringComparison.Ordinal))
            .Select(s => new TestCaseData(s).SetArgDisplayNames(s.Chart!));

    private static IEnumerable<TestCaseData> ConfigRows() =>
        FeedbackSettings.All.Where(s => s.Chart?.StartsWith("config.", StringComparison.Ordinal) == true)
            .Select(s => new TestCaseData(s).SetArgDisplayNames(s.Chart!));

    [TestCaseSource(nameof(ChartRows))]
    public void ChartSchema_AllowsWhatTheServiceAllows(Setting setting)
    {
        var property = SchemaProperty(setting.Chart!);
        Assert.That(property, Is.Not.Null, $"values.schema.json has no {setting.Chart}");
        bool config = setting.Chart!.StartsWith("config.", StringComparison.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That((string?)property!["type"], Is.EqualTo(setting.HasRange ? "integer" : "string"), "type");
            if (setting.HasRange)
            {
                // A missing bound lets the chart render pods that refuse to start (the consumerMaxBatch drift).
                Assert.That(Number(property, "minimum"), Is.EqualTo(setting.ChartMinimum), "minimum");
                Assert.That(Number(property, "maximum"), Is.EqualTo(setting.Max), "maximum");
            }

            if (setting.Kind == SettingKind.Choice)
            {
                Assert.That(property["enum"]?.AsArray().Select(e => (string?)e), Is.EqualTo(setting.Choices), "enum");
            }

            if (config && setting.Kind == SettingKind.Text)
            {
                Assert.That((string?)property["pattern"], Is.EqualTo(setting.ChartPattern), "pattern");
            }

            if (config)
            {
                Assert.That((string?)property["description"], Does.StartWith($"{setting.Env}:"), "description");
            }
        });
    }

    [Test]
    public void EveryChartConfigValue_IsARowOfTheTable()
    {
        var rows = FeedbackSettings.All.Select(s => s.Chart).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var former = FeedbackSettings.All.Select(s => s.FormerChart).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var schema = Schema.Value["properties"]!["config"]!["properties"]!.AsObject().Select(p => $"config.{p.Key}")
            .Where(k => !former.Contains(k)); // a former name is accepted for one release, as a row's FormerChart
        var values = ValuesConfig().Keys.Select(k => $"config.{k}");
        var required = Schema.Value["properties"]!["config"]!["required"]!.AsArray().Select(r => $"config.{(string?)r}");

        Assert.Multiple(() =>
        {
            Assert.That(schema.Where(k => !rows.Contains(k)), Is.Empty, "schema config properties without a row");
            Assert.That(values.Where(k => !rows.Contains(k)), Is.Empty, "values.yaml config keys without a row");
            Assert.That(required.Where(k => !rows.Contains(k)), Is.Empty, "required config keys without a row");
        });
    }

    [TestCaseSource(nameof(ConfigRows))]
    public void ValuesYaml_HoldsTheDefault_AndNamesTheVariableAndRange(Setting setting)
    {
        var values = ValuesConfig();
        string key = setting.Chart!["config.".Length..];
        Assert.That(values, Contains.Key(key), $"values.yaml config has no {key}");
        var (value, comment) = values[key];

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(setting.Default), "default");
            Assert.That(comment, Does.StartWith($"{setting.Env}: {SettingsDocuments.Plain(setting.AllowedText)}"), "comment");
        });
    }

    [TestCase("httpPort")]
    [TestCase("shutdownTimeoutMs")]
    public void ValuesYaml_TopLevelSettings_HoldTheDefault(string key)
    {
        var setting = FeedbackSettings.All.Single(s => s.Chart == key);
        var line = Repository.Read(SettingsDocuments.ValuesYaml).Split('\n').Single(l => l.StartsWith($"{key}:", StringComparison.Ordinal));

        Assert.That(line[(key.Length + 1)..].Split('#')[0].Trim(), Is.EqualTo(setting.Default));
    }

    [TestCaseSource(nameof(ChartRows))]
    public void ChartTemplates_SetTheVariableFromItsValue(Setting setting)
    {
        string chart = setting.Chart!;
        string env = Regex.Escape(setting.Env!);
        var (template, mapping) = chart.Split('.', 2) switch
        {
            ["config", var key] => ("configmap.yaml",
                $@"""{env}"" \(?\$c\.{key}\b|with \$c\.{key} \}}\}}\s*\{{\{{- \$_ := set \$data ""{env}"""),
            ["connections", var key] => ("secret.yaml", $@"{env}: \{{\{{ \$c\.{key}\b|with \$c\.{key} \}}\}}\s*{env}:"),
            [var key] => ("configmap.yaml", $@"""{env}"" \(\.Values\.{key}\b"),
            _ => throw new InvalidOperationException($"no template maps {chart}"),
        };

        Assert.That(Regex.IsMatch(Repository.Read($"charts/feedback-redis/templates/{template}"), mapping), Is.True,
            $"{template} does not set {setting.Env} from {chart}");
    }

    [Test]
    public void EveryDocumentationTable_ShowsEachSettingsDefaultAndRange()
    {
        var problems = new List<string>();
        foreach (string file in SettingsDocuments.MarkdownViews.Keys)
        {
            foreach (var (row, cells) in TableRows(Repository.Read(file)))
            {
                var setting = FeedbackSettings.All.FirstOrDefault(s => row == s.Env || row == s.Path || row == s.Property && cells.ContainsKey("section") && cells["section"] == s.Section
                    || row == s.Chart);
                if (setting is null)
                {
                    problems.Add($"{file}: a row for '{row}', which is not in the table");
                    continue;
                }

                string range = cells.GetValueOrDefault("range") ?? cells.GetValueOrDefault("allowed") ?? "";
                string expectedRange = file.StartsWith("charts/", StringComparison.Ordinal) ? SettingsDocuments.ChartRange(setting) : setting.RangeText;
                string shownDefault = (cells.GetValueOrDefault("default") ?? "").Trim('`');
                string expectedDefault = setting.DefaultText.Length == 0 ? (file.StartsWith("charts/", StringComparison.Ordinal) ? "\"\"" : "empty") : setting.DefaultText;
                if (range != expectedRange)
                {
                    problems.Add($"{file}: {row} range '{range}', the table says '{expectedRange}'");
                }

                if (shownDefault != expectedDefault)
                {
                    problems.Add($"{file}: {row} default '{shownDefault}', the table says '{expectedDefault}'");
                }
            }
        }

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void DocsProse_StatesTheTablesDefaults()
    {
        var problems = new List<string>();
        var files = Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md")
            .Append(Path.Combine(Repository.Root, "README.md"))
            .Append(Path.Combine(Repository.Root, "charts/feedback-redis/README.md"));
        int checkedCount = 0;
        foreach (string path in files)
        {
            string text = File.ReadAllText(path);
            foreach (Match m in ProseDefault().Matches(text))
            {
                var setting = FeedbackSettings.All.FirstOrDefault(s => s.Env == m.Groups["name"].Value);
                string stated = m.Groups["value"].Value.Trim().Trim('`');
                if (setting is null)
                {
                    problems.Add($"{Path.GetFileName(path)}: {m.Value}: no such variable");
                    continue;
                }

                if (setting.HasRange && !StatedNumber().IsMatch(stated))
                {
                    continue; // "(default the Kafka cluster id)" and the like
                }

                checkedCount++;
                if (!SameDefault(setting, stated))
                {
                    problems.Add($"{Path.GetFileName(path)}: '{m.Value}', the table says {setting.Default}{(setting.Kind == SettingKind.Duration ? " ms" : "")}");
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty);
            Assert.That(checkedCount, Is.GreaterThan(10), "the prose scan found too few stated defaults: is the pattern still right?");
        });
    }

    private static bool SameDefault(Setting setting, string stated)
    {
        if (!setting.HasRange)
        {
            return stated == setting.Default;
        }

        var m = StatedNumber().Match(stated);
        double number = double.Parse(m.Groups["n"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        double factor = setting.Kind != SettingKind.Duration ? 1 : m.Groups["unit"].Value switch
        {
            "" or "ms" => 1,
            "s" or "second" or "seconds" => 1_000,
            "min" or "minute" or "minutes" => 60_000,
            "h" or "hour" or "hours" => 3_600_000,
            "day" or "days" => 86_400_000,
            _ => double.NaN,
        };
        return Math.Abs((number * factor) - long.Parse(setting.Default, CultureInfo.InvariantCulture)) < 0.5;
    }

    /// <summary>The <c>key: value  # comment</c> lines under <c>config:</c>, values unquoted as YAML reads them.</summary>
    private static Dictionary<string, (string Value, string Comment)> ValuesConfig()
    {
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        bool inConfig = false;
        foreach (string line in Repository.Read(SettingsDocuments.ValuesYaml).Split('\n'))
        {
            if (line == "config:")
            {
                inConfig = true;
                continue;
            }

            if (inConfig && !line.StartsWith("  ", StringComparison.Ordinal))
            {
                break;
            }

            var m = inConfig ? YamlEntry().Match(line) : Match.Empty;
            if (m.Success)
            {
                string value = m.Groups["value"].Value.Trim();
                if (value.StartsWith('"'))
                {
                    value = JsonSerializer.Deserialize<string>(value)!;
                }

                result[m.Groups["key"].Value] = (value, m.Groups["comment"].Value.Trim());
            }
        }

        return result;
    }

    /// <summary>
    /// The rows of every Markdown table between the settings markers: the first cell's code span (variable, path,
    /// property or chart key) and the cells by header ("default", "range" or "allowed").
    /// </summary>
    private static IEnumerable<(string Row, Dictionary<string, string> Cells)> TableRows(string text)
    {
        foreach (Match block in GeneratedBlock().Matches(text))
        {
            string view = block.Groups["view"].Value;
            string? section = view.Split(' ') is [_, var s] ? s : null;
            var lines = block.Groups["body"].Value.Split('\n').Where(l => l.StartsWith('|')).ToList();
            var headers = Cells(lines[0]).Select(h => h.Split(' ')[0].ToLowerInvariant()).ToList();
            foreach (string line in lines.Skip(2))
            {
                var cells = Cells(line);
                string first = view.StartsWith("section", StringComparison.Ordinal) && cells[0] == "(none)" ? cells[1] : cells[0];
                var code = CodeSpan().Match(first);
                if (!code.Success)
                {
                    continue; // a group row
                }

                var byHeader = headers.Zip(cells).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
                if (section is not null)
                {
                    byHeader["section"] = section;
                }

                first = code.Groups[1].Value;
                yield return (first, byHeader);
            }
        }
    }

    private static List<string> Cells(string line) => [.. line.Trim().Trim('|').Split(" | ").Select(c => c.Trim())];

    private static JsonNode? SchemaProperty(string chart)
    {
        JsonNode? node = Schema.Value;
        foreach (string part in chart.Split('.'))
        {
            node = node?["properties"]?[part];
        }

        return node;
    }

    private static long? Number(JsonNode property, string name) => property[name] is { } n ? (long)n : null;

    [GeneratedRegex(@"^  (?<key>[A-Za-z0-9]+): (?<value>(""[^""]*""|[^#\s][^#]*?)?)\s*(#(?<comment>.*))?$")]
    private static partial Regex YamlEntry();

    [GeneratedRegex(@"<!-- BEGIN settings \[(?<view>[^\]]+)\][^>]*-->(?<body>.*?)<!-- END settings -->", RegexOptions.Singleline)]
    private static partial Regex GeneratedBlock();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"`(?<name>FEEDBACK_[A-Z0-9_]+)`(?:,? \((?:default )?| (?:[a-z]+ ){1,3}\(default )(?<value>`[^`]*`|[0-9][0-9,.]*( ?[a-z]+)?)(?=[;,)])")]
    private static partial Regex ProseDefault();

    [GeneratedRegex(@"^(?<n>[0-9][0-9,]*(\.[0-9]+)?) ?(?<unit>[a-z]*)$")]
    private static partial Regex StatedNumber();
}
