using System.Globalization;

namespace FeedbackRedis.DevTools.Checks;

/// <summary>
/// Checks every message that had to be dead-lettered against the dead-letter topic: each line of a dead manifest
/// (<c>feedback-dev produce --dead-manifest</c>: <c>topic/partition/offset reason kind</c>) must have a dead letter
/// whose <c>dlq.source.*</c> coordinates are that message's, every copy with the expected reason; a dead letter whose
/// source is in no manifest is counted as not expected (a valid event dead-lettered, or a stray). Pure.
/// </summary>
internal static class DeadLetterCheck
{
    /// <summary>What the check found; <see cref="Passed"/> when every expected message is there with its reason and nothing else is.</summary>
    public sealed record Result(
        long Expected, long Matched, long Missing, long WrongReason, long NotExpected,
        IReadOnlyDictionary<string, KindCount> ByKind, IReadOnlyList<string> Examples)
    {
        public bool Passed => Missing == 0 && WrongReason == 0 && NotExpected == 0;

        /// <summary>One line for the report.</summary>
        public string Describe() =>
            $"{Matched.ToString("N0", CultureInfo.InvariantCulture)} of {Expected.ToString("N0", CultureInfo.InvariantCulture)} at their source "
            + $"coordinates with the expected reason; missing {Missing:N0}, wrong reason {WrongReason:N0}, not expected {NotExpected:N0}; by kind: "
            + string.Join(", ", ByKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value.Matched:N0}/{k.Value.Expected:N0}"));
    }

    /// <summary>Per kind of message: how many were sent, how many are dead letters with the expected reason.</summary>
    public sealed record KindCount(long Expected, long Matched);

    /// <summary>One expected dead letter, read from a manifest line.</summary>
    public sealed record Expectation(string Source, string Reason, string Kind);

    /// <summary>Reads a dead manifest's lines; a line that is not <c>source reason kind</c> (tab-separated) is an error naming it.</summary>
    public static IReadOnlyList<Expectation> Parse(IEnumerable<string> lines, string file)
    {
        var expected = new List<Expectation>();
        int n = 0;
        foreach (string line in lines)
        {
            n++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split('\t');
            if (parts.Length != 3 || parts.Any(p => p.Length == 0) || parts[0].Split('/').Length < 3)
            {
                throw new FormatException($"{file} line {n}: expected 'topic/partition/offset<TAB>reason<TAB>kind', got '{(line.Length > 80 ? line[..80] + "..." : line)}'");
            }

            expected.Add(new Expectation(parts[0], parts[1], parts[2]));
        }

        return expected;
    }

    /// <summary>Compares the expected dead letters with the letters found (source coordinates and reason of each copy).</summary>
    public static Result Compare(IReadOnlyList<Expectation> expected, IEnumerable<(string Source, string Reason)> letters)
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (source, reason) in letters)
        {
            if (!found.TryGetValue(source, out var reasons))
            {
                found[source] = reasons = [];
            }

            reasons.Add(reason);
        }

        long matched = 0, missing = 0, wrong = 0;
        var byKind = new Dictionary<string, (long Expected, long Matched)>(StringComparer.Ordinal);
        var examples = new List<string>();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in expected)
        {
            if (!wanted.Add(e.Source))
            {
                continue; // the same message listed twice: judged once
            }

            var (n, ok) = byKind.GetValueOrDefault(e.Kind);
            if (!found.TryGetValue(e.Source, out var reasons))
            {
                missing++;
                Note(examples, $"missing: {e.Kind} at {e.Source} (expected {e.Reason})");
                byKind[e.Kind] = (n + 1, ok);
                continue;
            }

            if (reasons.Any(r => r != e.Reason))
            {
                wrong++;
                Note(examples, $"wrong reason: {e.Kind} at {e.Source}: {string.Join("/", reasons.Distinct())} (expected {e.Reason})");
                byKind[e.Kind] = (n + 1, ok);
                continue;
            }

            matched++;
            byKind[e.Kind] = (n + 1, ok + 1);
        }

        long notExpected = 0;
        foreach (var (source, reasons) in found)
        {
            if (!wanted.Contains(source))
            {
                notExpected++;
                Note(examples, $"not expected: a dead letter from {source} ({string.Join("/", reasons.Distinct())})");
            }
        }

        return new Result(
            wanted.Count, matched, missing, wrong, notExpected,
            byKind.ToDictionary(k => k.Key, k => new KindCount(k.Value.Expected, k.Value.Matched), StringComparer.Ordinal), examples);
    }

    private static void Note(List<string> examples, string what)
    {
        if (examples.Count < 10)
        {
            examples.Add(what);
        }
    }
}
