using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Offsets whose messages Redis (and the dead-letter topic) has acknowledged, waiting out the commit safety margin
/// before they may be stored. Entries are kept in acknowledgement order; per partition, offsets only grow. Not
/// thread-safe: the consumer loop owns it.
/// </summary>
public sealed class OffsetLedger
{
    private readonly LinkedList<Entry> _entries = new();

    /// <summary>Entries waiting.</summary>
    public int Count => _entries.Count;

    /// <summary>Records that every message before <paramref name="nextOffsets"/> (per partition) was acknowledged at <paramref name="at"/>.</summary>
    public void Acknowledged(IEnumerable<TopicPartitionOffset> nextOffsets, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(nextOffsets);
        foreach (var offset in nextOffsets)
        {
            _entries.AddLast(new Entry(offset.TopicPartition, offset.Offset, at));
        }
    }

    /// <summary>
    /// Removes and returns the offsets acknowledged at least <paramref name="safety"/> before <paramref name="now"/>: the
    /// highest per partition.
    /// </summary>
    public IReadOnlyList<TopicPartitionOffset> TakeDue(DateTimeOffset now, TimeSpan safety)
    {
        var due = new Dictionary<TopicPartition, Offset>();
        while (_entries.First is { } first && first.Value.AckedAt + safety <= now)
        {
            due[first.Value.Partition] = first.Value.NextOffset;
            _entries.RemoveFirst();
        }

        return [.. due.Select(d => new TopicPartitionOffset(d.Key, d.Value))];
    }

    /// <summary>When every waiting offset of <paramref name="partitions"/> will be due, or null when none waits.</summary>
    public DateTimeOffset? DueAt(IEnumerable<TopicPartition> partitions, TimeSpan safety)
    {
        var set = partitions.ToHashSet();
        DateTimeOffset? last = null;
        foreach (var entry in _entries)
        {
            if (set.Contains(entry.Partition))
            {
                last = entry.AckedAt + safety;
            }
        }

        return last;
    }

    /// <summary>Drops the waiting offsets of <paramref name="partitions"/> (revoked or lost: they are no longer ours to store).</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        var set = partitions.ToHashSet();
        for (var node = _entries.First; node is not null;)
        {
            var nextNode = node.Next;
            if (set.Contains(node.Value.Partition))
            {
                _entries.Remove(node);
            }

            node = nextNode;
        }
    }

    private readonly record struct Entry(TopicPartition Partition, Offset NextOffset, DateTimeOffset AckedAt);
}
