namespace FeedbackRedis.Items;

/// <summary>
/// The one owner of the item stored in Redis for each accepted event: its layout (below and in docs/EVENTS.md), its
/// writer (<see cref="Write"/>), its reader (<see cref="TryRead"/>) and the fast event-id reader
/// (<see cref="EventIdOf"/>). The writer is only ever handed events that <see cref="Ingestion.FeedbackEventReader"/>
/// accepted under <see cref="ItemLimits"/>, so what it writes the reader always reads back.
/// <code>
/// {"eventId":"e-1","agentId":"agent-7","type":"reply","topic":"feedback.reply.received","partition":3,"offset":1234,
///  "messageId":"m","conversationId":"c","userId":"u","text":"t","occurredAt":"2026-11-23T12:00:00.000Z",
///  "receivedAt":"2026-11-23T12:00:01.234Z","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
///  "extra":{"locale":"fr-FR"}}
/// </code>
/// Field order is fixed, <c>eventId</c> first (so <see cref="EventIdOf"/> reads one property); absent optional fields
/// are left out; unknown fields of the message are kept verbatim under <c>extra</c>. <c>traceparent</c> is the W3C trace
/// context its producer sent, kept only while tracing is on (72 bytes more per event).
/// </summary>
public static partial class StoredItem
{
    /// <summary>The reaction name used when a reaction item has none (only a hand-made item can lack one).</summary>
    public const string UnknownReaction = "unknown";
}
