namespace FeedbackRedis.Items;

/// <summary>
/// A feedback event as the producer sent it, read by <see cref="Ingestion.FeedbackEventReader"/> (schema: docs/EVENTS.md). Ids are
/// as sent; <see cref="Ingestion.EventClassifier"/> validates them.
/// </summary>
/// <param name="Type">Reply or reaction (from the topic).</param>
/// <param name="Version">The schema version (<c>version</c>; 1 when absent).</param>
/// <param name="EventId">The producer's <c>eventId</c>, or null when absent.</param>
/// <param name="AgentId">The agent the feedback is about (<c>agentId</c>).</param>
/// <param name="MessageId">The agent's message the feedback is on (<c>messageId</c>), or null.</param>
/// <param name="ConversationId">The conversation (<c>conversationId</c>), or null.</param>
/// <param name="UserId">The user who gave the feedback (<c>userId</c>), or null.</param>
/// <param name="Text">The reply text (replies only).</param>
/// <param name="Reaction">The reaction (reactions only), e.g. <c>thumbs_up</c>.</param>
/// <param name="OccurredAt">When the user gave the feedback (<c>occurredAt</c>), or null.</param>
/// <param name="Extra">Fields this version does not know, each with its raw JSON value, in message order.</param>
public sealed record FeedbackEvent(
    FeedbackType Type,
    int Version,
    string? EventId,
    string AgentId,
    string? MessageId,
    string? ConversationId,
    string? UserId,
    string? Text,
    string? Reaction,
    DateTimeOffset? OccurredAt,
    IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> Extra);
