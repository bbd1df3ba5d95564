namespace FeedbackRedis.Batching;

/// <summary>What one append did.</summary>
/// <param name="Added">Events added to open batches.</param>
/// <param name="Duplicates">Events skipped: their id was in the duplicate guard (appended before and not yet acked).</param>
/// <param name="Sealed">Batches sealed by the append (size, overflow or global trigger).</param>
public sealed record AppendResult(int Added, int Duplicates, int Sealed)
{
    internal static readonly AppendResult None = new(0, 0, 0);

    /// <summary>
    /// The partitions whose recorded offset Redis has lost (it holds less than the caller recorded before: see
    /// <see cref="RedisBatchStore.AppendAsync(IReadOnlyList{AppendEvent}, IReadOnlyList{PartitionPosition}, CancellationToken)"/>), each with the offset Redis still holds for it, the lowest over the
    /// shards (null when a shard holds none). Empty when every partition was as expected.
    /// </summary>
    public IReadOnlyDictionary<KafkaPartition, long?> Behind { get; init; } = NoneBehind;

    /// <summary>True when Redis was behind on some partition: the append was refused (on one shard at least).</summary>
    public bool Refused => Behind.Count > 0;

    internal AppendResult Plus(AppendResult other) =>
        new(Added + other.Added, Duplicates + other.Duplicates, Sealed + other.Sealed);

    private static readonly Dictionary<KafkaPartition, long?> NoneBehind = [];
}
