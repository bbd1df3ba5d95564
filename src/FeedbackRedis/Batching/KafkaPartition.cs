namespace FeedbackRedis.Batching;

/// <summary>A Kafka topic partition, as the batch engine records offsets for it (<see cref="KeySchema.Offsets"/>).</summary>
public readonly record struct KafkaPartition(string Topic, int Partition)
{
    /// <summary>Its field in the offsets hash: <c>&lt;topic&gt;/&lt;partition&gt;</c>.</summary>
    public string Field => KeySchema.OffsetField(Topic, Partition);

    public override string ToString() => $"{Topic}[{Partition}]";
}
