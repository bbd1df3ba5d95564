using FeedbackRedis.Ingestion;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Fuzz;

/// <summary>
/// One Kafka message: the first byte picks the topic (even: reply, odd: reaction), the rest is the value. Checks that
/// <see cref="EventClassifier.Classify"/> returns without throwing and without its safety net (<c>unreadable</c>), and
/// that an accepted event's item reads back (<see cref="StoredItem.TryRead"/>, <see cref="StoredItem.EventIdOf"/>) with
/// the message's event id, agent id, type, reaction and times, and goes through both sinks (<see cref="SinkRoundTrip"/>).
/// </summary>
internal static class ClassifyTarget
{
    public const int MaxItemBytes = 65_536;
    private const int Partition = 3;
    private const long Offset = 1234;
    private const string SourceId = "fuzz";

    private static readonly FeedbackTopics Topics = new("feedback.reply.received", "feedback.reaction.received");
    private static readonly EventClassifier Classifier = new(Topics, MaxItemBytes, new SourceIdentity(SourceId));
    private static readonly DateTimeOffset ReceivedAt = new(2026, 12, 1, 12, 0, 1, 234, TimeSpan.Zero);

    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var type = (input[0] & 1) == 0 ? FeedbackType.Reply : FeedbackType.Reaction;
        string topic = type == FeedbackType.Reply ? Topics.ReplyTopic : Topics.ReactionTopic;
        var value = input.AsMemory(1);
        var message = new IncomingMessage(topic, Partition, Offset, value);

        Classification c;
        try
        {
            c = Classifier.Classify(message, ReceivedAt);
        }
        catch (Exception ex)
        {
            throw new PropertyViolation("Classify threw", ex);
        }

        if (c.IsDeadLetter)
        {
            if (c.Reason == DeadLetterReason.Unreadable)
            {
                throw new PropertyViolation($"Classify's safety net caught an exception no check foresaw: {c.Detail}", Unforeseen(value, type));
            }

            return;
        }

        var accepted = c.Event!;
        var sent = FeedbackEventReader.Read(value, type, out var refused)
            ?? throw new PropertyViolation($"Classify accepted a message the reader alone refuses: {refused?.Reason} {refused?.Detail}");

        PropertyViolation.Expect(accepted.EventId, sent.EventId ?? EventIds.Fallback(SourceId, topic, Partition, Offset), "accepted event id");
        PropertyViolation.Expect(accepted.AgentId, sent.AgentId, "accepted agent id");
        PropertyViolation.Expect(accepted.Item.Length <= MaxItemBytes, "the accepted item is over the item size limit");

        // Strict: bytes the writer made that are not UTF-8 are a finding, not a replacement character.
        string item = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(accepted.Item);
        if (!StoredItem.TryRead(item, batchAgentId: null, 0, out var read, out string? problem))
        {
            throw new PropertyViolation($"TryRead refused an item the writer made: {problem}");
        }

        PropertyViolation.Expect(read.EventId, accepted.EventId, "read event id");
        PropertyViolation.Expect(read.AgentId, accepted.AgentId, "read agent id");
        PropertyViolation.Expect(read.Type, type, "read type");
        PropertyViolation.Expect(read.Reaction, sent.Reaction, "read reaction");
        PropertyViolation.Expect(read.OccurredAt, sent.OccurredAt is { } at ? ToMilliseconds(at) : null, "read occurredAt");
        PropertyViolation.Expect(read.ReceivedAt, ReceivedAt, "read receivedAt");
        PropertyViolation.Expect(StoredItem.EventIdOf(item), accepted.EventId, "EventIdOf");

        SinkRoundTrip.Check(item, read, member: accepted.AgentId);
    }

    /// <summary>The exception behind an <c>unreadable</c> dead letter, with its stack: the reader run again, outside the classifier's catch.</summary>
    private static Exception? Unforeseen(ReadOnlyMemory<byte> value, FeedbackType type)
    {
        try
        {
            _ = FeedbackEventReader.Read(value, type, out _);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>The item keeps UTC to the millisecond.</summary>
    private static DateTimeOffset? ToMilliseconds(DateTimeOffset at) =>
        new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
