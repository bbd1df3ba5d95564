using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's log events about positions (logged on the consumer's logger, in its range).</summary>
[LogEventRange("consumer", 3000, 3099)]
public sealed partial class PartitionPositioner
{
    [LoggerMessage(EventId = 3042, Level = LogLevel.Information, Message = "Positioned {FromRedis} assigned partitions after the offsets Redis recorded ({RedisPositions}); {FromKafka} at Kafka's committed offset, Redis had no record ({KafkaPartitions})")]
    private partial void LogPositionsResolved(int fromRedis, string redisPositions, int fromKafka, string kafkaPartitions);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Warning, Message = "Redis lost acknowledged writes of {Partition}: this consumer recorded offset {Expected} there, Redis now holds {Recorded} (-1: none); rewound to {Target} (dropped {Dropped} held messages)")]
    private partial void LogRewound(string partition, long expected, long recorded, long target, int dropped);

    [LoggerMessage(EventId = 3044, Level = LogLevel.Warning, Message = "Seeking {Partition} to {Offset} failed ({Reason}); tried again next turn")]
    private partial void LogSeekFailed(string partition, long offset, string reason);
}
