using Confluent.Kafka;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Where each partition this consumer owns stands against Redis's record of it: the highest offset append.lua stored
/// with the partition's events (<see cref="KeySchema.Offsets"/>). A partition is <em>unresolved</em> from its
/// assignment until that record has been read and the consumer positioned after it; nothing of it is appended before.
/// Then <see cref="Expected"/> is what this consumer knows Redis holds (-1: nothing recorded), which every append
/// sends so that Redis refuses it once it holds less (it lost acknowledged writes). Not thread-safe: the consumer loop
/// owns it.
/// </summary>
public sealed class PartitionPositions
{
    private readonly Dictionary<TopicPartition, long> _recorded = [];
    private readonly Dictionary<TopicPartition, long> _floors = [];
    private readonly HashSet<TopicPartition> _unresolved = [];

    /// <summary>Partitions assigned and not yet positioned after Redis's record.</summary>
    public IReadOnlyCollection<TopicPartition> Unresolved => _unresolved;

    /// <summary>Partitions whose record this consumer knows (for the periodic comparison with Redis).</summary>
    public IEnumerable<KeyValuePair<TopicPartition, long>> Known => _recorded.Where(r => r.Value >= 0);

    public void Assigned(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _recorded.Remove(partition);
            _floors.Remove(partition);
            _unresolved.Add(partition);
        }
    }

    public void Released(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _recorded.Remove(partition);
            _floors.Remove(partition);
            _unresolved.Remove(partition);
        }
    }

    public bool IsResolved(TopicPartition partition) => !_unresolved.Contains(partition);

    /// <summary>
    /// The consumer is positioned just after <paramref name="recorded"/>, the offset Redis holds for the partition (-1:
    /// none), which is also where it started owning it (<see cref="Floor"/>).
    /// </summary>
    public void Resolved(TopicPartition partition, long recorded)
    {
        _unresolved.Remove(partition);
        _recorded[partition] = recorded;
        _floors[partition] = recorded;
    }

    /// <summary>
    /// Redis lost what it held of the partition and holds <paramref name="recorded"/> now; the consumer is positioned
    /// just after it. The floor stays where ownership started.
    /// </summary>
    public void Rewound(TopicPartition partition, long recorded) => _recorded[partition] = recorded;

    /// <summary>The offset just before where this consumer started owning <paramref name="partition"/> (-1: the log's start or unknown).</summary>
    public long Floor(TopicPartition partition) => _floors.GetValueOrDefault(partition, -1);

    /// <summary>The offset Redis should hold for <paramref name="partition"/>; -1 when none is known.</summary>
    public long Expected(TopicPartition partition) => _recorded.GetValueOrDefault(partition, -1);

    /// <summary>An append recorded <paramref name="taken"/> (records only grow).</summary>
    public void Recorded(TopicPartition partition, long taken)
    {
        if (_recorded.TryGetValue(partition, out long known) && taken > known)
        {
            _recorded[partition] = taken;
        }
    }

    /// <summary>The position for one append of messages up to <paramref name="taken"/>.</summary>
    public PartitionPosition PositionFor(TopicPartition partition, long taken) =>
        new(ToKafka(partition), Expected(partition), taken);

    public static KafkaPartition ToKafka(TopicPartition partition) => new(partition.Topic, partition.Partition.Value);

    public static TopicPartition ToTopicPartition(KafkaPartition partition) => new(partition.Topic, new Partition(partition.Partition));

    /// <summary><c>fb.reply[0], fb.reply[3]</c>, for log messages.</summary>
    public static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]"));
}
