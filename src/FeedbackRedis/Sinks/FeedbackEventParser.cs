using FeedbackRedis.Items;
using System.Globalization;
using System.Text.Json;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Sinks;

/// <summary>
/// Reads batch items (readable JSON objects written by the consumer) into <see cref="BatchedEvent"/>s. Required:
/// <c>eventId</c>; <c>agentId</c> (or the batch's agent); <c>type</c> <c>reply</c> or <c>reaction</c>. Optional and
/// tolerated when missing or unreadable: <c>reaction</c>, <c>occurredAt</c>, <c>receivedAt</c> and every payload field.
/// </summary>
public static class FeedbackEventParser
{
    /// <summary>The reaction name used when a reaction item has none.</summary>
    public const string UnknownReaction = "unknown";

    /// <summary>Reads every item of <paramref name="batch"/>, in order.</summary>
    /// <exception cref="InvalidFeedbackItemException">An item is not readable feedback; the message says which and why.</exception>
    public static FeedbackBatch Parse(ClaimedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var events = new BatchedEvent[batch.Items.Count];
        for (int i = 0; i < events.Length; i++)
        {
            try
            {
                events[i] = ParseItem(batch.Items[i], batch.AgentId) with { ItemIndex = i };
            }
            catch (InvalidFeedbackItemException ex)
            {
                throw new InvalidFeedbackItemException($"item #{i} of batch {batch.BatchId}: {ex.Message}", ex);
            }
        }

        return new FeedbackBatch(batch, events);
    }

    /// <summary>Reads one item; <paramref name="batchAgentId"/> stands in when the item names no agent.</summary>
    public static BatchedEvent ParseItem(string item, string? batchAgentId)
    {
        ArgumentNullException.ThrowIfNull(item);
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(item);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidFeedbackItemException($"not JSON ({ex.Message})", ex);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidFeedbackItemException($"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }

        string eventId = String(root, "eventId") ?? throw new InvalidFeedbackItemException("no eventId");
        if (EventIds.Explain(eventId) is { } badId)
        {
            throw new InvalidFeedbackItemException(badId);
        }

        string agentId = String(root, "agentId") ?? batchAgentId ?? throw new InvalidFeedbackItemException($"event {eventId} names no agentId");
        if (AgentIds.Explain(agentId) is { } badAgent)
        {
            throw new InvalidFeedbackItemException($"event {eventId}: {badAgent}");
        }

        var type = String(root, "type") switch
        {
            "reply" => FeedbackType.Reply,
            "reaction" => FeedbackType.Reaction,
            var other => throw new InvalidFeedbackItemException(
                $"event {eventId} has type '{other ?? "(none)"}'; expected 'reply' or 'reaction'"),
        };
        string? reaction = type == FeedbackType.Reaction ? NonEmpty(String(root, "reaction")) ?? UnknownReaction : null;
        return new BatchedEvent(eventId, agentId, type, reaction, Time(root, "occurredAt"), Time(root, "receivedAt"), root);
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static DateTimeOffset? Time(JsonElement root, string name) =>
        String(root, name) is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : null;
}
