using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's log events about dead letters it delivered (logged on the consumer's logger, in its range).</summary>
[LogEventRange("consumer", 3000, 3099)]
public sealed partial class DeadLetterDelivery
{
    [LoggerMessage(EventId = 3012, Level = LogLevel.Debug, Message = "Dead letter ({Reason}) from {Topic}[{Partition}]@{Offset}: {Detail}")]
    private partial void LogDeadLettered(string reason, string topic, int partition, long offset, string detail);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Dead-lettered {Count} messages to {Topic}: {Reasons}")]
    private partial void LogDeadLetters(int count, string topic, string reasons);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "{Count} dead letters could not be delivered to {Topic}; holding them: {Error}")]
    private partial void LogDeadLetterFailed(int count, string topic, string error);
}
