using Confluent.Kafka;
using FeedbackRedis.Batching;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Owns where the consumer reads each partition from, against Redis's record of it: positioning partitions after
/// Redis's record once they are assigned (or at Kafka's start, recorded in Redis at once, when Redis has none), the
/// rewind when Redis holds less than this consumer recorded there (it lost acknowledged writes), and the periodic
/// comparison that finds such a loss on idle partitions. It moves the <see cref="PartitionBook"/> and drops from
/// <see cref="HeldMessages"/> what a new position makes stale, through their public members; Kafka is reached only
/// through <see cref="IKafkaPositions"/> and Redis through <see cref="IRedisOffsets"/>, so all of it is testable with
/// fakes. Not thread-safe: the consumer loop owns it (rebalance callbacks run on the loop's thread).
/// </summary>
public sealed partial class PartitionPositioner
{
    private static readonly TimeSpan KafkaQueryTimeout = TimeSpan.FromSeconds(5);

    private readonly IKafkaPositions _kafka;
    private readonly IRedisOffsets _redis;
    private readonly PartitionBook _book;
    private readonly HeldMessages _held;
    private readonly IngestionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="logger">The consumer's logger: these are the consumer's log events (same category and range).</param>
    public PartitionPositioner(
        IKafkaPositions kafka, IRedisOffsets redis, PartitionBook book, HeldMessages held, IngestionMetrics metrics, TimeProvider time, ILogger logger)
    {
        _kafka = kafka;
        _redis = redis;
        _book = book;
        _held = held;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Positions every partition assigned since the last turn just after the offset Redis recorded for it (the lowest over
    /// the shards): what Redis already holds is not read again, and what it lost is. Messages of such a partition already
    /// taken are dropped where Redis has them, or all of them with a seek back when Redis is behind them. A partition
    /// Redis has no record of starts at Kafka's committed offset (or the log's start), and that start is recorded in
    /// Redis at once, so that from now on Redis always holds a record of every partition owned.
    /// </summary>
    /// <returns>False when Kafka could not be read or a seek failed (those partitions stay unresolved; nothing of them is appended).</returns>
    /// <exception cref="BatchStoreUnavailableException">Redis could not be read or written (the partitions stay unresolved).</exception>
    public async Task<bool> TryResolveAsync(CancellationToken cancellationToken)
    {
        if (_book.Unresolved.Count == 0)
        {
            return true;
        }

        try
        {
            var recorded = await _redis.ReadAsync(_book.Unresolved.Select(PartitionPositions.ToKafka), cancellationToken);
            var starts = KafkaStarts([.. recorded.Where(r => r.Value is null).Select(r => PartitionPositions.ToTopicPartition(r.Key))]);
            if (starts.Count > 0)
            {
                await _redis.RecordAsync([.. starts.Select(s => new PartitionPosition(PartitionPositions.ToKafka(s.Key), -1, s.Value))], cancellationToken);
            }

            var fromRedis = new List<string>();
            var fromKafka = new List<string>();
            foreach (var (kafkaPartition, offset) in recorded)
            {
                var partition = PartitionPositions.ToTopicPartition(kafkaPartition);
                if (offset is { } last)
                {
                    if (!TryStartAfter(partition, last))
                    {
                        continue; // the seek failed: stays unresolved, tried again next turn
                    }

                    _book.ResolvedFromRedis(partition, last, _time.GetUtcNow()); // Kafka's commit catches up with it too
                    fromRedis.Add($"{kafkaPartition}@{last + 1}");
                }
                else
                {
                    _book.ResolvedFromKafka(partition, starts[partition]);
                    fromKafka.Add($"{kafkaPartition}@{starts[partition] + 1}");
                }
            }

            if (fromRedis.Count + fromKafka.Count > 0)
            {
                string redisPositions = string.Join(", ", fromRedis);
                string kafkaPositions = string.Join(", ", fromKafka);
                LogPositionsResolved(fromRedis.Count, redisPositions, fromKafka.Count, kafkaPositions);
                _metrics.Resumed("redis", fromRedis.Count);
                _metrics.Resumed("kafka", fromKafka.Count);
            }
        }
        catch (KafkaException ex)
        {
            LogSeekFailed(PartitionPositions.Describe(_book.Unresolved), -1, ex.Error.Reason);
            return false;
        }

        return _book.Unresolved.Count == 0;
    }

    /// <summary>
    /// Redis holds less for <paramref name="behind"/> than this consumer recorded there: it lost writes it had acknowledged
    /// (an AOF cut back by a crash, a restart from an older copy, a failover to a replica that lagged). Each partition is
    /// rewound to just after what Redis still records, what is held of it is dropped, and its waiting offsets are
    /// forgotten, so nothing is committed past the loss. With no record left at all (Redis lost everything since this
    /// consumer took the partition, or was emptied) it goes back to where this consumer started, or Kafka's commit if
    /// that is earlier. A partition whose seek fails is resolved again from Redis's record on the next turn.
    /// </summary>
    public void Rewind(IReadOnlyDictionary<KafkaPartition, long?> behind)
    {
        ArgumentNullException.ThrowIfNull(behind);
        foreach (var (kafkaPartition, offset) in behind)
        {
            var partition = PartitionPositions.ToTopicPartition(kafkaPartition);
            if (!_book.IsResolved(partition))
            {
                continue;
            }

            int dropped = _held.Drop(partition);
            long expected = _book.Rewinding(partition);
            long target = offset is { } last ? last + 1 : EarliestStart(partition);
            _book.Rewound(partition, target, positioned: TrySeek(partition, new Offset(target))); // else resolved again next turn

            LogRewound(kafkaPartition.ToString(), expected, offset ?? -1, target, dropped);
            _metrics.Rewound(offset is null ? "redis-empty" : "redis-behind");
        }
    }

    /// <summary>
    /// Compares Redis's records with this consumer's and rewinds where Redis lost some. Appends in flight only raise
    /// Redis's records, so on a difference <paramref name="drainWindow"/> takes them back first and the comparison is
    /// made again with what they recorded. Redis unavailable: nothing happens (the pending check and the next append
    /// report it).
    /// </summary>
    public async Task CheckRecordedAsync(Func<CancellationToken, Task> drainWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drainWindow);
        var known = _book.Known();
        if (known.Count == 0)
        {
            return;
        }

        try
        {
            var recorded = await _redis.ReadAsync(known.Keys, cancellationToken);
            if (PartitionBook.Behind(recorded, known).Count > 0)
            {
                await drainWindow(cancellationToken);
                known = _book.Known();
                recorded = await _redis.ReadAsync(known.Keys, cancellationToken);
                var behind = PartitionBook.Behind(recorded, known);
                if (behind.Count > 0)
                {
                    Rewind(behind);
                }
            }
        }
        catch (BatchStoreUnavailableException)
        {
            // the pending check and the next append report it
        }
    }

    /// <summary>
    /// Where Kafka starts <paramref name="partitions"/> for this group, as the offset just before it: the committed offset
    /// - 1, or the log's start - 1 when the group has no commit (auto.offset.reset is earliest).
    /// </summary>
    private Dictionary<TopicPartition, long> KafkaStarts(List<TopicPartition> partitions)
    {
        var starts = new Dictionary<TopicPartition, long>();
        if (partitions.Count == 0)
        {
            return starts;
        }

        foreach (var committed in _kafka.Committed(partitions, KafkaQueryTimeout))
        {
            starts[committed.TopicPartition] = committed.Offset.Value >= 0
                ? committed.Offset.Value - 1
                : _kafka.QueryWatermarkOffsets(committed.TopicPartition, KafkaQueryTimeout).Low.Value - 1;
        }

        return starts;
    }

    /// <summary>Makes <paramref name="last"/> + 1 the next offset of <paramref name="partition"/> this consumer handles.</summary>
    private bool TryStartAfter(TopicPartition partition, long last)
    {
        _held.DropUpTo(partition, last);
        long first = _held.First(partition);
        if (first == last + 1)
        {
            return true; // what is held continues exactly where Redis stops
        }

        if (first < 0 && _kafka.Position(partition) is { Value: var next } && next == last + 1)
        {
            return true;
        }

        _held.Drop(partition);
        return TrySeek(partition, new Offset(last + 1));
    }

    /// <summary>The earlier of where this consumer started owning <paramref name="partition"/> and Kafka's committed offset.</summary>
    private long EarliestStart(TopicPartition partition)
    {
        long start = _book.Floor(partition) + 1;
        try
        {
            return KafkaStarts([partition]).TryGetValue(partition, out long kafka) ? Math.Min(start, kafka + 1) : start;
        }
        catch (KafkaException)
        {
            return start;
        }
    }

    private bool TrySeek(TopicPartition partition, Offset offset)
    {
        try
        {
            _kafka.Seek(new TopicPartitionOffset(partition, offset));
            return true;
        }
        catch (KafkaException ex)
        {
            LogSeekFailed($"{partition.Topic}[{partition.Partition.Value}]", offset.Value, ex.Error.Reason);
            return false;
        }
    }
}
