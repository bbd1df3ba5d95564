using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>A consumed message not yet acknowledged (appended to Redis or delivered to the dead-letter topic).</summary>
public sealed class PendingMessage(ConsumeResult<byte[]?, byte[]?> result)
{
    public ConsumeResult<byte[]?, byte[]?> Result { get; } = result;

    public TopicPartition Partition => Result.TopicPartition;

    /// <summary>What to do with it; set once, when first processed.</summary>
    public Classification? Classification { get; set; }

    /// <summary>Delivered to the dead-letter topic (so a retried micro-batch does not send it twice).</summary>
    public bool DeadLettered { get; set; }

    public IncomingMessage Incoming => new(Result.Topic, Result.Partition.Value, Result.Offset.Value, Result.Message.Value);
}
