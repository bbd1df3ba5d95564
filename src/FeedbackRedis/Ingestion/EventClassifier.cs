using FeedbackRedis.Batching;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Decides, for one message, whether it is an event to append (with its id and normalised item) or a dead letter
/// and why. Pure: the same message and clock reading always give the same answer, with no Kafka or Redis involved.
/// Checks, first failure wins: unknown-topic, too-large (raw value), not-json, wrong-shape (not an object),
/// wrong-shape (bad version field) / unsupported-version, wrong-shape (fields), invalid-agent-id, invalid-event-id,
/// too-large (item). An event passing here also passes the batch engine's own checks. Total: for any message it returns
/// accept or dead-letter and never throws; an exception no check foresaw makes the message an <c>unreadable</c> dead letter
/// naming the error. An event without <c>eventId</c> gets <see cref="EventIds.Fallback"/> under <paramref name="source"/>'s
/// id (the one exception that escapes: a source id not yet resolved, a wiring error that must hold messages, never
/// dead-letter them).
/// </summary>
public sealed class EventClassifier(FeedbackTopics topics, int maxItemBytes, SourceIdentity source)
{
    public Classification Classify(in IncomingMessage message, DateTimeOffset receivedAt)
    {
        string sourceId = source.Id;
        try
        {
            return ClassifyOrThrow(message, receivedAt, sourceId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Classification.Reject(
                DeadLetterReason.Unreadable, FeedbackEventReader.Truncate($"reading the message failed: {ex.GetType().Name}: {ex.Message}"));
        }
    }

    private Classification ClassifyOrThrow(in IncomingMessage message, DateTimeOffset receivedAt, string sourceId)
    {
        if (topics.TypeOf(message.Topic) is not { } type)
        {
            return Classification.Reject(
                DeadLetterReason.UnknownTopic,
                FeedbackEventReader.Truncate($"topic '{message.Topic}' is neither {topics.ReplyTopic} nor {topics.ReactionTopic}"));
        }

        if (message.Value.Length > maxItemBytes)
        {
            return Classification.Reject(
                DeadLetterReason.TooLarge, $"the message is {message.Value.Length:N0} bytes; FEEDBACK_MAX_ITEM_BYTES allows {maxItemBytes:N0}");
        }

        if (FeedbackEventReader.Read(message.Value, type, out var failure) is not { } e)
        {
            return failure!;
        }

        if (AgentIds.Explain(e.AgentId) is { } agentProblem)
        {
            return Classification.Reject(DeadLetterReason.InvalidAgentId, FeedbackEventReader.Truncate(agentProblem));
        }

        string eventId = e.EventId ?? EventIds.Fallback(sourceId, message.Topic, message.Partition, message.Offset);
        if (EventIds.Explain(eventId) is { } idProblem)
        {
            return Classification.Reject(DeadLetterReason.InvalidEventId, FeedbackEventReader.Truncate(idProblem));
        }

        byte[] item = StoredItem.Write(e, eventId, message.Topic, message.Partition, message.Offset, receivedAt, message.TraceParent);
        if (item.Length > maxItemBytes && message.TraceParent is not null)
        {
            // tracing: the traceparent field never makes an event too large; the item goes without it.
            item = StoredItem.Write(e, eventId, message.Topic, message.Partition, message.Offset, receivedAt);
        }

        if (item.Length > maxItemBytes)
        {
            return Classification.Reject(
                DeadLetterReason.TooLarge, $"the item made from the message is {item.Length:N0} bytes; FEEDBACK_MAX_ITEM_BYTES allows {maxItemBytes:N0}");
        }

        return Classification.Accept(new AppendEvent(eventId, e.AgentId, item));
    }
}
