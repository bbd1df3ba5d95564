using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Redis's record of the partitions' offsets as <see cref="PartitionPositioner"/> needs it: read it, and record where a
/// partition starts. An interface so that positioning can be tested without Redis.
/// </summary>
public interface IRedisOffsets
{
    /// <inheritdoc cref="RedisBatchStore.ReadOffsetsAsync"/>
    Task<IReadOnlyDictionary<KafkaPartition, long?>> ReadAsync(IEnumerable<KafkaPartition> partitions, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="positions"/> in Redis with no event (an append of offsets only).</summary>
    /// <exception cref="BatchStoreUnavailableException">Redis could not take it.</exception>
    Task RecordAsync(IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken);
}

/// <summary><see cref="IRedisOffsets"/> over the batch store.</summary>
public sealed class StoreOffsets(RedisBatchStore store) : IRedisOffsets
{
    public Task<IReadOnlyDictionary<KafkaPartition, long?>> ReadAsync(IEnumerable<KafkaPartition> partitions, CancellationToken cancellationToken) =>
        store.ReadOffsetsAsync(partitions, cancellationToken);

    public Task RecordAsync(IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken) =>
        store.AppendAsync([], positions, cancellationToken);
}
