using FeedbackRedis.Items;
using System.Text.Json;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// Reads a file sink's file and counts it by distinct event id, which is where the file sink's idempotency lives: a
/// line whose event id was seen before is a re-write and is not counted again. A torn line (what a writer killed in
/// the middle of a write leaves) is counted as torn and skipped; its batch was not acked, so it is written again
/// whole. Lines are split on line ends only and never joined: the writer starts every append on a fresh line
/// (<see cref="AppendOnlyFile"/>), so a torn fragment cannot hide the line after it.
/// </summary>
public static class FileSinkReader
{
    /// <summary>Reads <paramref name="path"/>, waiting while a writer holds its lock.</summary>
    public static async Task<FileSinkSummary> ReadAsync(string path, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        if (!System.IO.File.Exists(path))
        {
            return Count([]);
        }

        while (true)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                var lines = new List<string>();
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    lines.Add(line);
                }

                return Count(lines);
            }
            catch (IOException ex) when (FileLocks.IsSharingViolation(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
            }
        }
    }

    /// <summary>Counts lines already read.</summary>
    public static FileSinkSummary Count(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        long total = 0, torn = 0;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var agents = new Dictionary<string, (long Events, long Replies, Dictionary<string, long> Reactions)>(StringComparer.Ordinal);
        var writers = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (!TryRead(line, out var e))
            {
                torn++;
                continue;
            }

            total++;
            if (!writers.TryGetValue(e.BatchId, out var batchWriters))
            {
                writers[e.BatchId] = batchWriters = new HashSet<string>(StringComparer.Ordinal);
            }

            batchWriters.Add(e.Writer);
            if (!ids.Add(e.EventId))
            {
                continue;
            }

            var counts = agents.TryGetValue(e.AgentId, out var c) ? c : (0, 0, new Dictionary<string, long>(StringComparer.Ordinal));
            counts.Events++;
            if (e.Reaction is null)
            {
                counts.Replies++;
            }
            else
            {
                counts.Reactions[e.Reaction] = counts.Reactions.GetValueOrDefault(e.Reaction) + 1;
            }

            agents[e.AgentId] = counts;
        }

        return new FileSinkSummary(
            total,
            torn,
            ids,
            agents.ToDictionary(a => a.Key, a => new AgentCounts(a.Value.Events, a.Value.Replies, a.Value.Reactions), StringComparer.Ordinal),
            writers.ToDictionary(w => w.Key, w => (IReadOnlySet<string>)w.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// Reads one line of the sink. A line counts only when it is one whole JSON object with the fields the sink always
    /// writes and the reader counts by: <c>eventId</c> and <c>agentId</c> (non-empty strings), <c>type</c>
    /// (<c>reply</c> or <c>reaction</c>), <c>batchId</c> and <c>writer</c> (strings). Anything else is torn.
    /// </summary>
    private static bool TryRead(string line, out (string EventId, string AgentId, string? Reaction, string BatchId, string Writer) e)
    {
        e = default;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || String(root, "eventId") is not { Length: > 0 } eventId
                || String(root, "agentId") is not { Length: > 0 } agentId
                || String(root, "type") is not { } type || type is not ("reply" or "reaction")
                || String(root, "batchId") is not { } batchId
                || String(root, "writer") is not { } writer)
            {
                return false;
            }

            string? reaction = type == "reaction" ? String(root, "reaction") ?? StoredItem.UnknownReaction : null;
            e = (eventId, agentId, reaction, batchId, writer);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string with an escape that is not valid UTF-16 (no writer of ours makes one).
            return false;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
