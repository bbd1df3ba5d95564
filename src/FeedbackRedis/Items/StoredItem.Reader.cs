using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FeedbackRedis.Items;

public static partial class StoredItem
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = ItemLimits.ReaderMaxDepth };

    /// <summary>
    /// Reads one stored item. Required: <c>eventId</c>; <c>agentId</c> (or <paramref name="batchAgentId"/>);
    /// <c>type</c> <c>reply</c> or <c>reaction</c>. Tolerated when missing or unreadable: <c>reaction</c> (then
    /// <see cref="UnknownReaction"/>), <c>occurredAt</c>, <c>receivedAt</c>, <c>traceparent</c> (then none), every payload field. Never throws for any
    /// input: an item the writer made always reads; a hand-made or damaged one gives <paramref name="problem"/>.
    /// </summary>
    /// <param name="item">The item as stored in Redis.</param>
    /// <param name="batchAgentId">The batch's agent, standing in when the item names none.</param>
    /// <param name="itemIndex">The item's position in its batch.</param>
    public static bool TryRead(
        string item, string? batchAgentId, int itemIndex, [NotNullWhen(true)] out ClaimedEvent? read, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(item);
        read = null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(item, DocumentOptions);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            problem = $"not JSON ({ex.Message})";
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object";
            return false;
        }

        // First the whole item against what the writer can produce, so that no lookup below meets a name it cannot
        // compare and the sinks' writers never meet a value they cannot write.
        if (!IsStorable(root, 1, out problem))
        {
            return false;
        }

        string? eventId = String(root, "eventId");
        if (eventId is null)
        {
            problem = "no eventId";
            return false;
        }

        if (EventIds.Explain(eventId) is { } badId)
        {
            problem = badId;
            return false;
        }

        string? agentId = String(root, "agentId") ?? batchAgentId;
        if (agentId is null || AgentIds.Explain(agentId) is { } badAgent)
        {
            problem = agentId is null ? $"event {eventId} names no agentId" : $"event {eventId}: {AgentIds.Explain(agentId)}";
            return false;
        }

        string? typeName = String(root, "type");
        FeedbackType type;
        switch (typeName)
        {
            case "reply":
                type = FeedbackType.Reply;
                break;
            case "reaction":
                type = FeedbackType.Reaction;
                break;
            default:
                problem = $"event {eventId} has type '{typeName ?? "(none)"}'; expected 'reply' or 'reaction'";
                return false;
        }

        string? reaction = null;
        if (type == FeedbackType.Reaction)
        {
            reaction = String(root, "reaction");
            reaction = string.IsNullOrWhiteSpace(reaction) ? UnknownReaction : reaction;
        }

        read = new ClaimedEvent(eventId, agentId, type, reaction, Time(root, "occurredAt"), Time(root, "receivedAt"), root, itemIndex)
        {
            TraceParent = TraceParent(root),
        };
        problem = null;
        return true;
    }

    /// <summary>
    /// The top-level <c>eventId</c> string of an item, or null when the item is not a JSON object with one. The writer
    /// puts <c>eventId</c> first, so this reads one property of an item it wrote. Never throws.
    /// </summary>
    public static string? EventIdOf(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(item), new JsonReaderOptions { MaxDepth = ItemLimits.ReaderMaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("eventId"u8);
                reader.Read();
                if (isId)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or an id that is not text: no id.
        }

        return null;
    }

    /// <summary>A top-level string property, or null. Safe only after <see cref="IsStorable"/>: every string decodes.</summary>
    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>
    /// True when the item is within what the writer produces: nesting at most <see cref="ItemLimits.MaxItemDepth"/>, every
    /// string and name decodes, no control character in a name, no name repeated in an object, every number finite.
    /// Always true for an item the writer made; checked so that a hand-edited item is quarantined, never a sink failure.
    /// </summary>
    private static bool IsStorable(JsonElement element, int depth, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object or JsonValueKind.Array when depth > ItemLimits.MaxItemDepth:
                problem = $"it nests deeper than {ItemLimits.MaxItemDepth} levels";
                return false;
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        problem = "a field name is not valid text (a lone UTF-16 surrogate)";
                        return false;
                    }

                    if (!IsText(name))
                    {
                        problem = "a field name holds a control character";
                        return false;
                    }

                    if (!names.Add(name))
                    {
                        problem = $"the field '{name}' appears more than once";
                        return false;
                    }

                    if (!IsStorable(property.Value, depth + 1, out problem))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                foreach (var value in element.EnumerateArray())
                {
                    if (!IsStorable(value, depth + 1, out problem))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return true;
                }
                catch (InvalidOperationException)
                {
                    problem = "a string is not valid text (a lone UTF-16 surrogate)";
                    return false;
                }

            case JsonValueKind.Number:
                if (element.TryGetDouble(out double number) && double.IsFinite(number))
                {
                    return true;
                }

                problem = $"the number {element.GetRawText()} is not finite";
                return false;
            default:
                return true;
        }
    }

    private static bool IsText(string name)
    {
        foreach (char c in name)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The item's <c>traceparent</c> when it is valid W3C trace context; else null (a hand edit: the event is still read).</summary>
    private static string? TraceParent(JsonElement root) =>
        String(root, "traceparent") is { } traceParent && Diagnostics.FeedbackTracing.ContextOf(traceParent) != default ? traceParent : null;

    private static DateTimeOffset? Time(JsonElement root, string name) =>
        String(root, name) is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : null;
}
