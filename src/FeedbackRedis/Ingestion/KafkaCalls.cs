using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The Kafka consumer calls that position partitions (<see cref="PartitionPositioner"/>): the group's committed
/// offsets, the log's start, the next offset to fetch, and a seek. An interface so that positioning can be tested
/// without a broker.
/// </summary>
public interface IKafkaPositions
{
    /// <inheritdoc cref="IConsumer{TKey, TValue}.Committed(IEnumerable{TopicPartition}, TimeSpan)"/>
    List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout);

    /// <inheritdoc cref="IConsumer{TKey, TValue}.QueryWatermarkOffsets(TopicPartition, TimeSpan)"/>
    WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout);

    /// <inheritdoc cref="IConsumer{TKey, TValue}.Position(TopicPartition)"/>
    Offset Position(TopicPartition partition);

    /// <inheritdoc cref="IConsumer{TKey, TValue}.Seek(TopicPartitionOffset)"/>
    void Seek(TopicPartitionOffset offset);
}

/// <summary>
/// The Kafka consumer calls that pause and resume the assignment (<see cref="BackpressureControl"/>). An interface so
/// that backpressure can be tested without a broker.
/// </summary>
public interface IKafkaAssignment
{
    /// <inheritdoc cref="IConsumer{TKey, TValue}.Assignment"/>
    List<TopicPartition> Assignment { get; }

    /// <inheritdoc cref="IConsumer{TKey, TValue}.Pause(IEnumerable{TopicPartition})"/>
    void PauseFetching(IEnumerable<TopicPartition> partitions);

    /// <inheritdoc cref="IConsumer{TKey, TValue}.Resume(IEnumerable{TopicPartition})"/>
    void ResumeFetching(IEnumerable<TopicPartition> partitions);
}

/// <summary><see cref="IKafkaPositions"/> and <see cref="IKafkaAssignment"/> over the consumer's Kafka client.</summary>
public sealed class KafkaConsumerCalls(IConsumer<byte[]?, byte[]?> consumer) : IKafkaPositions, IKafkaAssignment
{
    public List<TopicPartition> Assignment => consumer.Assignment;

    public void PauseFetching(IEnumerable<TopicPartition> partitions) => consumer.Pause(partitions);

    public void ResumeFetching(IEnumerable<TopicPartition> partitions) => consumer.Resume(partitions);

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => consumer.Committed(partitions, timeout);

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout) => consumer.QueryWatermarkOffsets(partition, timeout);

    public Offset Position(TopicPartition partition) => consumer.Position(partition);

    public void Seek(TopicPartitionOffset offset) => consumer.Seek(offset);
}
