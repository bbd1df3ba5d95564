using System.Reflection;
using System.Text.RegularExpressions;
using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// The log half of the telemetry contract: every log message is a <c>[LoggerMessage]</c> method with an explicit EventId,
/// unique across the assembly and inside its component's range (<see cref="LogEventRangeAttribute"/>); the ranges are
/// the ones docs/OPERATIONS.md lists; and src logs in no other way.
/// </summary>
public sealed partial class LogEventsTests
{
    /// <summary>EventIds shipped once and retired: never to be used again for something else.</summary>
    private static readonly int[] Retired = [3018, 4902];

    private static readonly Assembly Service = typeof(FeedbackInstruments).Assembly;

    private static List<(MethodInfo Method, LoggerMessageAttribute Message)> LogMethods() =>
    [
        .. Service.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Message: m.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(x => x.Message is not null),
    ];

    private static List<(Type Type, LogEventRangeAttribute Range)> Ranges() =>
    [
        .. Service.GetTypes()
            .Select(t => (Type: t, Range: t.GetCustomAttribute<LogEventRangeAttribute>()!))
            .Where(x => x.Range is not null),
    ];

    [Test]
    public void EveryLogMessage_HasAnExplicitEventId_UniqueAcrossTheAssemblyAndInsideItsComponentsRange()
    {
        var methods = LogMethods();
        var ranges = Ranges();
        Assert.That(methods, Has.Count.GreaterThan(80), "the reflection finds the service's log methods");
        Assert.Multiple(() =>
        {
            Assert.That(methods.Select(m => m.Message.EventId), Is.Unique, "EventIds are unique across the assembly");
            Assert.That(methods.Select(m => m.Message.EventId).Intersect(Retired), Is.Empty, "retired EventIds stay retired");
            foreach (var (method, message) in methods)
            {
                string name = $"{method.DeclaringType!.Name}.{method.Name} ({message.EventId})";
                Assert.That(message.EventId, Is.Positive, $"{name}: an explicit EventId");
                Assert.That(message.EventName, Is.Null, $"{name}: the method name is the event name");
                Assert.That(method.Name, Does.StartWith("Log"), name);
                var range = method.DeclaringType.GetCustomAttribute<LogEventRangeAttribute>();
                Assert.That(range, Is.Not.Null, $"{method.DeclaringType.Name} declares its [LogEventRange]");
                if (range is null)
                {
                    continue;
                }

                Assert.That(range.Contains(message.EventId), Is.True, $"{name}: inside {range.Component} {range.First}-{range.Last}");
                var inner = ranges
                    .Where(r => r.Range.Component != range.Component && r.Range.First >= range.First && r.Range.Last <= range.Last)
                    .Where(r => r.Range.Contains(message.EventId))
                    .Select(r => r.Range.Component);
                Assert.That(inner, Is.Empty, $"{name}: not inside a range nested in {range.Component}'s");
                Assert.That(method.IsStatic, Is.EqualTo(method.DeclaringType == typeof(KafkaClientLog)),
                    $"{name}: one style, instance methods on the type's own logger (only the shared librdkafka helper takes one)");
            }
        });
    }

    [Test]
    public void ComponentRanges_AreDisjointOrNested_AndAComponentHasOneRange()
    {
        var ranges = Ranges().Select(r => r.Range).ToList();
        Assert.That(ranges, Has.Count.GreaterThanOrEqualTo(12));
        Assert.Multiple(() =>
        {
            foreach (var group in ranges.GroupBy(r => r.Component))
            {
                Assert.That(group.Select(r => (r.First, r.Last)).Distinct().Count(), Is.EqualTo(1), group.Key);
            }

            var distinct = ranges.DistinctBy(r => r.Component).ToList();
            foreach (var a in distinct)
            {
                Assert.That(a.First, Is.Positive.And.LessThanOrEqualTo(a.Last), a.Component);
                foreach (var b in distinct.Where(b => b != a))
                {
                    bool disjoint = a.Last < b.First || b.Last < a.First;
                    bool nested = (a.First >= b.First && a.Last <= b.Last) || (b.First >= a.First && b.Last <= a.Last);
                    Assert.That(disjoint || nested, $"{a.Component} {a.First}-{a.Last} and {b.Component} {b.First}-{b.Last} overlap");
                }
            }
        });
    }

    [Test]
    public void OperationsGuide_ListsEveryRange_AsTheCodeDeclaresIt()
    {
        string section = Section(File.ReadAllText(Path.Combine(RepoRoot(), "docs", "OPERATIONS.md")), "## Logs");
        var documented = RangeRow().Matches(section)
            .Select(m => (First: int.Parse(m.Groups["first"].Value), Last: int.Parse(m.Groups["last"].Value), m.Groups["component"].Value))
            .ToList();
        var declared = Ranges().Select(r => (r.Range.First, r.Range.Last, r.Range.Component)).Distinct().ToList();

        Assert.That(documented, Is.EquivalentTo(declared));
    }

    [Test]
    public void OperationsGuide_ListsEveryLogEvent_WithItsNameLevelAndMessage()
    {
        string section = Section(File.ReadAllText(Path.Combine(RepoRoot(), "docs", "OPERATIONS.md")), "## Logs");
        var documented = EventRow().Matches(section)
            .Select(m => $"{m.Groups["id"].Value} {m.Groups["name"].Value} {m.Groups["level"].Value} {m.Groups["message"].Value}")
            .ToList();
        var declared = LogMethods()
            .OrderBy(m => m.Message.EventId)
            .Select(m => $"{m.Message.EventId} {m.Method.Name} {(m.Message.Level == LogLevel.None ? "mapped" : m.Message.Level.ToString())} {m.Message.Message}")
            .ToList();

        Assert.That(documented, Is.EqualTo(declared));
    }

    [Test]
    public void Src_LogsOnlyThroughLoggerMessageMethods_KeptInLogFiles()
    {
        string src = Path.Combine(RepoRoot(), "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .ToList();
        Assert.That(files, Has.Count.GreaterThan(100));
        Assert.That(DirectCall().IsMatch("        _logger.LogWarning(\"Redis is down\");"), "the scan finds a direct call");
        Assert.That(DirectCall().IsMatch("        logger.Log(LogLevel.Error, ex, \"x\");"), "the scan finds a Log(level) call");
        Assert.That(DirectCall().IsMatch("        LogStoreUnavailable(ex, \"seal due batches\");"), Is.False, "the scan lets a generated method be");

        var offenders = new List<string>();
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(src, file).Replace(Path.DirectorySeparatorChar, '/');
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (DirectCall().IsMatch(lines[i]))
                {
                    offenders.Add($"{relative}:{i + 1}: a direct logger call: {lines[i].Trim()}");
                }

                if (lines[i].Contains("[LoggerMessage(", StringComparison.Ordinal)
                    && !relative.EndsWith(".Log.cs", StringComparison.Ordinal) && relative != "FeedbackRedis/Diagnostics/KafkaClientLog.cs")
                {
                    offenders.Add($"{relative}:{i + 1}: a [LoggerMessage] method outside the type's .Log.cs file");
                }
            }
        }

        Assert.That(offenders, Is.Empty);
    }

    /// <summary>The part of a markdown text from the line <paramref name="heading"/> to the next heading of its level.</summary>
    internal static string Section(string text, string heading)
    {
        int start = text.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.That(start, Is.Positive, $"the section {heading}");
        string level = heading[..(heading.IndexOf(' ', StringComparison.Ordinal) + 1)];
        int end = text.IndexOf("\n" + level, start + heading.Length + 1, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FeedbackRedis.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("FeedbackRedis.sln not found above the test binaries");
    }

    /// <summary>A row of the Logs section's range table: <c>| 3000–3099 | consumer | ...</c> (en dash or hyphen).</summary>
    [GeneratedRegex(@"^\| (?<first>\d+)[–-](?<last>\d+) \| (?<component>[^|]+?) \|", RegexOptions.Multiline)]
    private static partial Regex RangeRow();

    /// <summary>A row of the Logs section's event table: <c>| 3000 | `LogStarted` | Information | `Consumer started: ...` |</c>.</summary>
    [GeneratedRegex(@"^\| (?<id>\d+) \| `(?<name>\w+)` \| (?<level>\w+) \| `(?<message>[^`]*)` \|$", RegexOptions.Multiline)]
    private static partial Regex EventRow();

    /// <summary><c>.LogWarning(</c> and the like, <c>.Log(LogLevel...</c>, or <c>LoggerMessage.Define</c>.</summary>
    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)\s*\(|\.Log\s*\(\s*LogLevel\.|LoggerMessage\.Define")]
    private static partial Regex DirectCall();
}
