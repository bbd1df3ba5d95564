namespace FeedbackRedis.Ingestion;

/// <summary>What a feedback event is, by the topic it came from.</summary>
public enum FeedbackEventType
{
    /// <summary>A written reply to an agent's message (<c>feedback.reply.received</c>); carries <c>text</c>.</summary>
    Reply,

    /// <summary>A reaction to an agent's message (<c>feedback.reaction.received</c>); carries <c>reaction</c>.</summary>
    Reaction,
}
