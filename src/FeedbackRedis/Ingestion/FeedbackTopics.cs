using FeedbackRedis.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>The two feedback topics and what each carries.</summary>
public sealed class FeedbackTopics(string replyTopic, string reactionTopic)
{
    public FeedbackTopics(KafkaOptions options)
        : this(options?.ReplyTopic ?? throw new ArgumentNullException(nameof(options)), options.ReactionTopic)
    {
    }

    public string ReplyTopic { get; } = replyTopic;

    public string ReactionTopic { get; } = reactionTopic;

    /// <summary>The topics the consumer subscribes to.</summary>
    public IReadOnlyList<string> All => [ReplyTopic, ReactionTopic];

    /// <summary>What <paramref name="topic"/> carries, or null for a topic that is neither.</summary>
    public FeedbackEventType? TypeOf(string topic) =>
        string.Equals(topic, ReplyTopic, StringComparison.Ordinal) ? FeedbackEventType.Reply
        : string.Equals(topic, ReactionTopic, StringComparison.Ordinal) ? FeedbackEventType.Reaction
        : null;
}
