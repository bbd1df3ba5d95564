using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using FeedbackRedis.Configuration;

namespace FeedbackRedis.Tests.Configuration;

/// <summary>
/// Writes the parts of the repository that are made from <see cref="FeedbackSettings.All"/>: the Markdown tables between
/// <c>&lt;!-- BEGIN settings [view] ... --&gt;</c> and <c>&lt;!-- END settings --&gt;</c>, the chart's <c>values.yaml</c>
/// <c>config:</c> block and the <c>config</c> properties of its <c>values.schema.json</c>. Everything outside those parts
/// is kept byte for byte. <c>scripts/settings-docs.sh</c> runs it (<see cref="SettingsDocumentsTests"/>).
/// </summary>
internal static partial class SettingsDocuments
{
    public const string Source = "src/FeedbackRedis/Configuration/FeedbackSettings.cs";
    public const string ValuesYaml = "charts/feedback-redis/values.yaml";
    public const string ValuesSchema = "charts/feedback-redis/values.schema.json";

    /// <summary>Every Markdown file with generated tables, and the views each must hold.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MarkdownViews = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["README.md"] = ["readme"],
        ["charts/feedback-redis/README.md"] = ["chart"],
        ["docs/INGESTION.md"] = [$"section {FeedbackSettings.Consumer}"],
        ["docs/FLUSHING.md"] = [$"section {FeedbackSettings.Flusher}", $"configuration-only {FeedbackSettings.MongoDb}"],
        ["docs/SINKS.md"] = [$"section {FeedbackSettings.MongoDb}"],
    };

    /// <summary>Every generated file, repository-relative.</summary>
    public static IEnumerable<string> Files => MarkdownViews.Keys.Append(ValuesYaml).Append(ValuesSchema);

    private const string End = "<!-- END settings -->";

    /// <summary>The documents the sections of each section-view table link to, repository-relative.</summary>
    private static readonly Dictionary<string, string> SectionDocs = new(StringComparer.Ordinal)
    {
        [FeedbackSettings.Consumer] = "docs/INGESTION.md",
        [FeedbackSettings.Flusher] = "docs/FLUSHING.md",
        [FeedbackSettings.MongoDb] = "docs/SINKS.md",
    };

    /// <summary><paramref name="text"/> of the repository file <paramref name="file"/> with its generated parts made anew.</summary>
    public static string Render(string file, string text) => file switch
    {
        ValuesYaml => RenderValuesYaml(text),
        ValuesSchema => RenderSchema(text),
        _ => RenderMarkdown(file, text),
    };

    /// <summary>The views of the generated tables in a Markdown text, in order.</summary>
    public static IReadOnlyList<string> ViewsIn(string text) => [.. BeginMarker().Matches(text).Select(m => m.Groups["view"].Value.Trim())];

    private static string RenderMarkdown(string file, string text)
    {
        var result = new StringBuilder();
        int at = 0;
        foreach (Match begin in BeginMarker().Matches(text))
        {
            int bodyStart = begin.Index + begin.Length;
            int end = text.IndexOf(End, bodyStart, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new InvalidOperationException($"{file}: '{begin.Value.Trim()}' has no '{End}'");
            }

            result.Append(text, at, bodyStart - at).Append('\n');
            result.Append(Table(file, begin.Groups["view"].Value.Trim())).Append('\n');
            at = end;
        }

        return result.Append(text, at, text.Length - at).ToString();
    }

    private static string Table(string file, string view)
    {
        var lines = new List<string>();
        string[] words = view.Split(' ', 2);
        switch (words[0])
        {
            case "readme":
                lines.Add("| variable | default | range | role | meaning |");
                lines.Add("|---|---|---|---|---|");
                foreach (var (section, title) in FeedbackSettings.Sections)
                {
                    string doc = SectionDocs.TryGetValue(section, out var d) ? Link(file, d) : "";
                    lines.Add(doc.Length == 0 ? $"| **{title}** | | | | |" : $"| **{title}** | | | | {doc} |");
                    lines.AddRange(FeedbackSettings.InSection(section).Select(s =>
                        Row(Variable(s, full: true), Cell(s.DefaultText), s.RangeText, Role(s.Roles), s.Meaning)));
                }

                break;
            case "chart":
                lines.Add("| Key | Variable | Default | Allowed | Meaning |");
                lines.Add("| --- | --- | --- | --- | --- |");
                lines.AddRange(FeedbackSettings.All.Where(s => s.Chart?.StartsWith("config.", StringComparison.Ordinal) == true).Select(s =>
                    Row($"`{s.Chart}`", $"`{s.Env}`", s.Default.Length == 0 ? "`\"\"`" : $"`{s.Default}`", ChartRange(s), s.Meaning)));
                break;
            case "section":
                lines.Add($"| variable | configuration (`{words[1]}:`) | default | range | meaning |");
                lines.Add("| --- | --- | --- | --- | --- |");
                lines.AddRange(FeedbackSettings.InSection(words[1]).Select(s =>
                    Row(s.Env is null ? "(none)" : Variable(s, full: false), $"`{s.Property}`", Cell(s.DefaultText), s.RangeText, s.Meaning)));
                break;
            case "configuration-only":
                lines.Add($"| setting (`{words[1]}:`) | default | range | meaning |");
                lines.Add("| --- | --- | --- | --- |");
                lines.AddRange(FeedbackSettings.InSection(words[1]).Where(s => s.Env is null).Select(s =>
                    Row($"`{s.Property}`", Cell(s.DefaultText), s.RangeText, s.Meaning)));
                break;
            default:
                throw new InvalidOperationException($"{file}: unknown settings view '{view}'");
        }

        return string.Concat(lines.Select(l => l + "\n"));
    }

    /// <summary>The range the chart allows, as its README says it.</summary>
    public static string ChartRange(Setting setting) =>
        setting.ChartMin is { } min ? $"{min.ToString("N0", CultureInfo.InvariantCulture)} to {setting.Max.ToString("N0", CultureInfo.InvariantCulture)}" : setting.RangeText;

    private static string Variable(Setting setting, bool full)
    {
        string name = setting.Env ?? (full ? setting.Path : setting.Property);
        return setting.Secret ? $"`{name}` (secret)" : $"`{name}`";
    }

    private static string Role(SettingRoles roles) => roles switch
    {
        SettingRoles.Consumer => "consumer",
        SettingRoles.Flusher => "flusher",
        _ => "both",
    };

    private static string Cell(string value) => value.Length == 0 ? "empty" : value;

    private static string Row(params string[] cells) => $"| {string.Join(" | ", cells)} |";

    private static string Link(string from, string to)
    {
        string relative = Path.GetRelativePath(Path.GetDirectoryName(from) is { Length: > 0 } dir ? dir : ".", to).Replace('\\', '/');
        return $"[{Path.GetFileName(to)}]({relative})";
    }

    /// <summary>The lines under <c>config:</c>, up to the first line that is not indented, are the table's chart rows.</summary>
    private static string RenderValuesYaml(string text)
    {
        var lines = text.Split('\n').ToList();
        int start = lines.IndexOf("config:");
        if (start < 0)
        {
            throw new InvalidOperationException($"{ValuesYaml} has no 'config:' line");
        }

        int end = start + 1;
        while (end < lines.Count && lines[end].StartsWith("  ", StringComparison.Ordinal))
        {
            end++;
        }

        var block = new List<string> { $"  # Made from {Source} by scripts/settings-docs.sh: change the table there, not these lines." };
        var rows = FeedbackSettings.All.Where(s => s.Chart?.StartsWith("config.", StringComparison.Ordinal) == true).ToList();
        int column = rows.Max(s => YamlEntry(s).Length) + 2;
        string? section = null;
        foreach (var setting in rows)
        {
            if (setting.Section != section)
            {
                section = setting.Section;
                block.Add($"  # {FeedbackSettings.Sections.First(s => s.Section == section).Title}");
            }

            string entry = YamlEntry(setting).PadRight(column);
            string comment = $"# {setting.Env}: {Plain(setting.AllowedText)}";
            if (setting.Rule is not null && entry.Length + comment.Length + Plain(setting.Rule).Length + 2 <= 160)
            {
                comment += $"; {Plain(setting.Rule)}";
            }

            block.Add(entry + comment);
        }

        lines.RemoveRange(start + 1, end - start - 1);
        lines.InsertRange(start + 1, block);
        return string.Join('\n', lines);
    }

    private static string YamlEntry(Setting setting) => $"  {setting.Chart!["config.".Length..]}: {YamlScalar(setting)}";

    /// <summary>The default as a YAML scalar: numbers bare, strings plain where YAML reads them back as the same string.</summary>
    public static string YamlScalar(Setting setting) =>
        setting.HasRange || PlainYaml().IsMatch(setting.Default) && !YamlSpecial().IsMatch(setting.Default)
            ? setting.Default
            : JsonSerializer.Serialize(setting.Default);

    /// <summary>Markdown code spans to plain text, for comments and descriptions.</summary>
    public static string Plain(string text) => text.Replace("`", "", StringComparison.Ordinal).Replace("**", "", StringComparison.Ordinal);

    /// <summary>
    /// The object under <c>properties.config.properties</c>: from its opening line to the first line after it indented
    /// as little as its key (the file is written by a JSON formatter with two-space indentation).
    /// </summary>
    private static string RenderSchema(string text)
    {
        var lines = text.Split('\n').ToList();
        int config = lines.IndexOf("    \"config\": {");
        int open = config < 0 ? -1 : lines.FindIndex(config, l => l == "      \"properties\": {");
        int close = open < 0 ? -1 : lines.FindIndex(open, l => l.StartsWith("      }", StringComparison.Ordinal));
        if (close < 0)
        {
            throw new InvalidOperationException($"{ValuesSchema} has no properties.config.properties object where expected");
        }

        string[] generated = SchemaProperties().Split('\n');
        var replacement = new List<string> { "      \"properties\": " + generated[0] };
        replacement.AddRange(generated.Skip(1).Select(l => "      " + l));
        replacement[^1] += lines[close]["      }".Length..]; // keep the comma that follows
        lines.RemoveRange(open, close - open + 1);
        lines.InsertRange(open, replacement);
        return string.Join('\n', lines);
    }

    private static string SchemaProperties()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            IndentSize = 2,
            NewLine = "\n",
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            json.WriteStartObject();
            foreach (var setting in FeedbackSettings.All.Where(s => s.Chart?.StartsWith("config.", StringComparison.Ordinal) == true))
            {
                json.WriteStartObject(setting.Chart!["config.".Length..]);
                json.WriteString("type", setting.HasRange ? "integer" : "string");
                json.WriteString("description", $"{setting.Env}: {Plain(setting.Meaning)}");
                switch (setting.Kind)
                {
                    case SettingKind.Number or SettingKind.Duration:
                        json.WriteNumber("minimum", setting.ChartMinimum);
                        json.WriteNumber("maximum", setting.Max);
                        break;
                    case SettingKind.Choice:
                        json.WriteStartArray("enum");
                        foreach (string choice in setting.Choices)
                        {
                            json.WriteStringValue(choice);
                        }

                        json.WriteEndArray();
                        break;
                    case SettingKind.Text when setting.ChartPattern is not null:
                        json.WriteString("pattern", setting.ChartPattern);
                        break;
                }

                json.WriteEndObject();
            }

            // A renamed value's former key is still accepted for one release (the ConfigMap template lets it win when set).
            foreach (var setting in FeedbackSettings.All.Where(s => s.FormerChart?.StartsWith("config.", StringComparison.Ordinal) == true))
            {
                json.WriteStartObject(setting.FormerChart!["config.".Length..]);
                json.WriteString("type", "integer");
                json.WriteString("description", $"Deprecated: the former name of {setting.Chart}, read for one more release.");
                json.WriteNumber("minimum", setting.ChartMinimum);
                json.WriteNumber("maximum", setting.Max);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [GeneratedRegex(@"^<!-- BEGIN settings \[(?<view>[^\]]+)\][^>]*-->[ \t]*\n", RegexOptions.Multiline)]
    private static partial Regex BeginMarker();

    [GeneratedRegex(@"^[A-Za-z/][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainYaml();

    [GeneratedRegex(@"^(?i:y|n|yes|no|true|false|on|off|null)$")]
    private static partial Regex YamlSpecial();
}
