namespace FeedbackRedis.Batching;

/// <summary>
/// What one append records for a Kafka partition: the highest offset the append takes in (<see cref="Taken"/>: every
/// message of the partition up to it is, once the append returns, in Redis or already handled elsewhere), and the
/// offset the caller recorded last (<see cref="Expected"/>, -1 when it knows none). Redis refuses the append when the
/// offset it holds is behind <see cref="Expected"/>: it lost writes it had acknowledged.
/// </summary>
public readonly record struct PartitionPosition(KafkaPartition Partition, long Expected, long Taken);
