using FeedbackRedis.Items;
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
    public FeedbackType? TypeOf(string topic) =>
        string.Equals(topic, ReplyTopic, StringComparison.Ordinal) ? FeedbackType.Reply
        : string.Equals(topic, ReactionTopic, StringComparison.Ordinal) ? FeedbackType.Reaction
        : null;
}
