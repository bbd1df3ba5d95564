using System.Text.Json;

namespace FeedbackRedis.Items;

/// <summary>One event of a claimed batch, read back from its stored item by <see cref="StoredItem"/>.</summary>
/// <param name="EventId">The stable event id; the sink's key.</param>
/// <param name="AgentId">The agent the feedback is about.</param>
/// <param name="Type">Reply or reaction.</param>
/// <param name="Reaction">For a reaction, its name (<c>unknown</c> when the item has none); null for a reply.</param>
/// <param name="OccurredAt">When the feedback happened (<c>occurredAt</c>), if the item says.</param>
/// <param name="ReceivedAt">When the consumer read it (<c>receivedAt</c>), if the item says.</param>
/// <param name="Item">The whole item, as stored in Redis (a detached copy).</param>
/// <param name="ItemIndex">The item's position in its claimed batch (what a sink names when it refuses one item).</param>
public sealed record ClaimedEvent(
    string EventId,
    string AgentId,
    FeedbackType Type,
    string? Reaction,
    DateTimeOffset? OccurredAt,
    DateTimeOffset? ReceivedAt,
    JsonElement Item,
    int ItemIndex = 0)
{
    /// <summary>
    /// The W3C <c>traceparent</c> its producer sent, stored when tracing was on at the consumer (the item's optional
    /// <c>traceparent</c> field); null when there is none or it is not valid. The flusher's write span links to it.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The time that counts as "when": <see cref="OccurredAt"/>, else <see cref="ReceivedAt"/>.</summary>
    public DateTimeOffset? At => OccurredAt ?? ReceivedAt;
}
