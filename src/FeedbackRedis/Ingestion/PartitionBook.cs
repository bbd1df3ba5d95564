using Confluent.Kafka;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The consumer's bookkeeping per partition, on assignment, acknowledgement, rewind and revocation: where each owned
/// partition stands against Redis's record (<see cref="PartitionPositions"/>) and which next offsets wait out the commit
/// safety margin before Kafka may store them (<see cref="OffsetLedger"/>). The two move together here, so that a
/// partition released or rewound never leaves an offset waiting, and an acknowledged append moves both. Not
/// thread-safe: the consumer loop owns it.
/// </summary>
public sealed class PartitionBook
{
    private readonly PartitionPositions _positions = new();
    private readonly OffsetLedger _ledger = new();

    /// <summary>Partitions assigned and not yet positioned after Redis's record.</summary>
    public IReadOnlyCollection<TopicPartition> Unresolved => _positions.Unresolved;

    /// <summary>Offsets waiting for the commit safety margin.</summary>
    public int Waiting => _ledger.Count;

    public bool IsResolved(TopicPartition partition) => _positions.IsResolved(partition);

    /// <inheritdoc cref="PartitionPositions.Expected"/>
    public long Expected(TopicPartition partition) => _positions.Expected(partition);

    /// <inheritdoc cref="PartitionPositions.Floor"/>
    public long Floor(TopicPartition partition) => _positions.Floor(partition);

    /// <summary><paramref name="partitions"/> are now this consumer's; nothing of them is appended before they are resolved.</summary>
    public void Assigned(IEnumerable<TopicPartition> partitions) => _positions.Assigned(partitions);

    /// <summary><paramref name="partitions"/> are no longer this consumer's: their positions and waiting offsets are forgotten.</summary>
    public void Released(IReadOnlyCollection<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        _ledger.Forget(partitions);
        _positions.Released(partitions);
    }

    /// <summary>
    /// Redis records <paramref name="last"/> for <paramref name="partition"/> and the consumer is positioned after it;
    /// Kafka's commit catches up with what Redis holds even if nothing more ever arrives on the partition.
    /// </summary>
    public void ResolvedFromRedis(TopicPartition partition, long last, DateTimeOffset now)
    {
        _positions.Resolved(partition, last);
        _ledger.Acknowledged([new TopicPartitionOffset(partition, new Offset(last + 1))], now);
    }

    /// <summary>Redis had no record: the partition starts after <paramref name="start"/> (Kafka's start, now recorded in Redis).</summary>
    public void ResolvedFromKafka(TopicPartition partition, long start) => _positions.Resolved(partition, start);

    /// <summary>What one append of <paramref name="messages"/> records: per partition, its highest offset and the record this consumer expects.</summary>
    public List<PartitionPosition> PositionsOf(IReadOnlyList<PendingMessage> messages)
    {
        var highest = Highest(messages);
        var positions = new List<PartitionPosition>(highest.Count);
        foreach (var (partition, taken) in highest)
        {
            positions.Add(_positions.PositionFor(partition, taken));
        }

        return positions;
    }

    /// <summary>
    /// Per partition of <paramref name="messages"/>, in the order each first appears, its highest offset: one pass, no
    /// grouping (a micro-batch holds hundreds of messages over a few partitions; this runs for each append).
    /// </summary>
    public static List<KeyValuePair<TopicPartition, long>> Highest(IReadOnlyList<PendingMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var highest = new List<KeyValuePair<TopicPartition, long>>();
        TopicPartition? last = null;
        int at = -1;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var partition = message.Partition;
            long offset = message.Result.Offset.Value;
            if (!ReferenceEquals(partition, last) && (last is null || !partition.Equals(last)))
            {
                at = highest.FindIndex(h => h.Key.Equals(partition));
                if (at < 0)
                {
                    highest.Add(new(partition, offset));
                    at = highest.Count - 1;
                }

                last = partition;
            }

            if (offset > highest[at].Value)
            {
                highest[at] = new(partition, offset);
            }
        }

        return highest;
    }

    /// <summary>
    /// Redis took in the append of <paramref name="messages"/> (recording <paramref name="positions"/>): the positions
    /// move on and the next offsets wait in the ledger for Kafka, in the order the appends were acknowledged.
    /// </summary>
    public void Acknowledged(IReadOnlyList<PendingMessage> messages, IEnumerable<PartitionPosition> positions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(positions);
        foreach (var position in positions)
        {
            _positions.Recorded(PartitionPositions.ToTopicPartition(position.Partition), position.Taken);
        }

        var highest = Highest(messages);
        var next = new List<TopicPartitionOffset>(highest.Count);
        foreach (var (partition, offset) in highest)
        {
            next.Add(new TopicPartitionOffset(partition, new Offset(offset + 1)));
        }

        _ledger.Acknowledged(next, now);
    }

    /// <summary>
    /// Redis lost what it held of <paramref name="partition"/>: its waiting offsets are forgotten at once, before
    /// anything else of the rewind can fail, so nothing is committed past the loss.
    /// </summary>
    /// <returns>The record this consumer expected Redis to hold.</returns>
    public long Rewinding(TopicPartition partition)
    {
        _ledger.Forget([partition]);
        return _positions.Expected(partition);
    }

    /// <summary>
    /// After <see cref="Rewinding"/>: <paramref name="positioned"/>, the consumer is positioned at
    /// <paramref name="target"/>, and Redis's record is the offset before it; otherwise the partition is resolved again
    /// from Redis's record, as on assignment (nothing of it is appended before).
    /// </summary>
    public void Rewound(TopicPartition partition, long target, bool positioned)
    {
        if (positioned)
        {
            _positions.Rewound(partition, target - 1);
        }
        else
        {
            _positions.Assigned([partition]);
        }
    }

    /// <summary>The records this consumer knows Redis holds, by partition (for the periodic comparison with Redis).</summary>
    public Dictionary<KafkaPartition, long> Known() =>
        _positions.Known.ToDictionary(k => PartitionPositions.ToKafka(k.Key), k => k.Value);

    /// <summary>The partitions of <paramref name="known"/> whose record in Redis (<paramref name="recorded"/>) is gone or lower.</summary>
    public static Dictionary<KafkaPartition, long?> Behind(
        IReadOnlyDictionary<KafkaPartition, long?> recorded, IReadOnlyDictionary<KafkaPartition, long> known)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(known);
        return recorded
            .Where(r => known.TryGetValue(r.Key, out long mine) && (r.Value is not { } held || held < mine))
            .ToDictionary(r => r.Key, r => r.Value);
    }

    /// <inheritdoc cref="OffsetLedger.TakeDue"/>
    public IReadOnlyList<TopicPartitionOffset> TakeDue(DateTimeOffset now, TimeSpan safety) => _ledger.TakeDue(now, safety);

    /// <inheritdoc cref="OffsetLedger.DueAt"/>
    public DateTimeOffset? DueAt(IEnumerable<TopicPartition> partitions, TimeSpan safety) => _ledger.DueAt(partitions, safety);
}
