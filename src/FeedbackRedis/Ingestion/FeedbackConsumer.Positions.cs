using Confluent.Kafka;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>How often the offsets Redis holds are compared with what this consumer recorded (catches a loss on idle partitions).</summary>
    internal static readonly TimeSpan RecordCheckInterval = TimeSpan.FromSeconds(1);

    private readonly PartitionPositions _positions = new();
    private long _lastRecordCheck;

    /// <summary>
    /// Positions every partition assigned since the last turn just after the offset Redis recorded for it (the lowest over
    /// the shards): what Redis already holds is not read again, and what it lost is. Messages of such a partition already
    /// taken are dropped where Redis has them, or all of them with a seek back when Redis is behind them. A partition
    /// Redis has no record of keeps Kafka's committed offset.
    /// </summary>
    /// <returns>False when Redis could not be read (the partitions stay unresolved; nothing of them is appended).</returns>
    private async Task<bool> TryResolvePositionsAsync(CancellationToken cancellationToken)
    {
        if (_positions.Unresolved.Count == 0)
        {
            return true;
        }

        IReadOnlyDictionary<KafkaPartition, long?> recorded;
        try
        {
            recorded = await _store.ReadOffsetsAsync(_positions.Unresolved.Select(PartitionPositions.ToKafka), cancellationToken);
        }
        catch (BatchStoreUnavailableException ex)
        {
            LogRedisUnavailable(_carry.Count, ex.Message);
            _gate.Set(PauseReasons.RedisUnavailable, true);
            return false;
        }

        var fromRedis = new List<string>();
        var fromKafka = new List<string>();
        foreach (var (kafkaPartition, offset) in recorded)
        {
            var partition = PartitionPositions.ToTopicPartition(kafkaPartition);
            if (offset is { } last && !TryStartAfter(partition, last))
            {
                continue; // the seek failed: stays unresolved, tried again next turn
            }

            _positions.Resolved(partition, offset);
            if (offset is { } next)
            {
                fromRedis.Add($"{kafkaPartition}@{next + 1}");
            }
            else
            {
                fromKafka.Add(kafkaPartition.ToString());
            }
        }

        if (fromRedis.Count + fromKafka.Count > 0)
        {
            string redisPositions = string.Join(", ", fromRedis);
            string kafkaPartitions = string.Join(", ", fromKafka);
            LogPositionsResolved(fromRedis.Count, redisPositions, fromKafka.Count, kafkaPartitions);
            _metrics.Resumed("redis", fromRedis.Count);
            _metrics.Resumed("kafka", fromKafka.Count);
        }

        return _positions.Unresolved.Count == 0;
    }

    /// <summary>Makes <paramref name="last"/> + 1 the next offset of <paramref name="partition"/> this consumer handles.</summary>
    private bool TryStartAfter(TopicPartition partition, long last)
    {
        _carry.RemoveAll(m => m.Partition == partition && m.Result.Offset.Value <= last);
        long first = _carry.Where(m => m.Partition == partition).Select(m => m.Result.Offset.Value).DefaultIfEmpty(-1).Min();
        if (first == last + 1)
        {
            return true; // what is held continues exactly where Redis stops
        }

        if (first < 0 && _consumer!.Position(partition) is { Value: var next } && next == last + 1)
        {
            return true;
        }

        _carry.RemoveAll(m => m.Partition == partition);
        return TrySeek(partition, new Offset(last + 1));
    }

    /// <summary>
    /// Redis holds less for <paramref name="behind"/> than this consumer recorded there: it lost writes it had acknowledged
    /// (an AOF cut back by a crash, a restart from an older copy, a failover to a replica that lagged). Each partition is
    /// rewound to just after what Redis still records, what is held of it is dropped, and its waiting offsets are
    /// forgotten, so nothing is committed past the loss. With no record left at all (an emptied Redis) Kafka's committed
    /// offset is the best there is.
    /// </summary>
    private void Rewind(IReadOnlyDictionary<KafkaPartition, long?> behind)
    {
        foreach (var (kafkaPartition, offset) in behind)
        {
            var partition = PartitionPositions.ToTopicPartition(kafkaPartition);
            if (!_positions.IsResolved(partition))
            {
                continue;
            }

            long expected = _positions.Expected(partition);
            int dropped = _carry.RemoveAll(m => m.Partition == partition);
            _ledger.Forget([partition]);
            var target = offset is { } last ? new Offset(last + 1) : CommittedOffset(partition);
            if (TrySeek(partition, target))
            {
                _positions.Resolved(partition, offset);
            }
            else
            {
                _positions.Assigned([partition]); // resolved again from Redis's record next turn
            }

            LogRewound(kafkaPartition.ToString(), expected, offset ?? -1, target.Value, dropped);
            _metrics.Rewound(offset is null ? "redis-empty" : "redis-behind");
        }
    }

    /// <summary>Every <see cref="RecordCheckInterval"/>: compares Redis's records with this consumer's and rewinds where Redis lost some.</summary>
    private async Task CheckRecordedOffsetsAsync(CancellationToken cancellationToken)
    {
        if (_time.GetElapsedTime(_lastRecordCheck) < RecordCheckInterval || _gate.Reasons.HasFlag(PauseReasons.RedisUnavailable))
        {
            return;
        }

        _lastRecordCheck = _time.GetTimestamp();
        var known = _positions.Known.ToDictionary(k => PartitionPositions.ToKafka(k.Key), k => k.Value);
        if (known.Count == 0)
        {
            return;
        }

        try
        {
            var recorded = await _store.ReadOffsetsAsync(known.Keys, cancellationToken);
            var behind = recorded.Where(r => r.Value is not { } held || held < known[r.Key]).ToDictionary(r => r.Key, r => r.Value);
            if (behind.Count > 0)
            {
                Rewind(behind);
            }
        }
        catch (BatchStoreUnavailableException)
        {
            // the pending check and the next append report it
        }
    }

    private bool TrySeek(TopicPartition partition, Offset offset)
    {
        try
        {
            _consumer!.Seek(new TopicPartitionOffset(partition, offset));
            return true;
        }
        catch (KafkaException ex)
        {
            LogSeekFailed($"{partition.Topic}[{partition.Partition.Value}]", offset.Value, ex.Error.Reason);
            return false;
        }
    }

    /// <summary>Kafka's committed offset of <paramref name="partition"/>, or the beginning when it has none or cannot say.</summary>
    private Offset CommittedOffset(TopicPartition partition)
    {
        try
        {
            var committed = _consumer!.Committed([partition], TimeSpan.FromSeconds(5));
            return committed.Count == 1 && committed[0].Offset.Value >= 0 ? committed[0].Offset : Offset.Beginning;
        }
        catch (KafkaException ex)
        {
            LogSeekFailed($"{partition.Topic}[{partition.Partition.Value}]", -1, ex.Error.Reason);
            return Offset.Beginning;
        }
    }

    /// <summary>What one append records: per partition of <paramref name="messages"/>, its highest offset and the record this consumer expects.</summary>
    private List<PartitionPosition> PositionsOf(List<PendingMessage> messages) =>
    [
        .. messages.GroupBy(m => m.Partition).Select(g => _positions.PositionFor(g.Key, g.Max(m => m.Result.Offset.Value))),
    ];
}
