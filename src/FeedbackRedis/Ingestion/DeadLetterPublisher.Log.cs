using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>The dead-letter publisher's log events, in the consumer's range. Method names are the event names.</summary>
public sealed partial class DeadLetterPublisher
{
    [LoggerMessage(EventId = 3029, Level = LogLevel.Warning,
        Message = "Dead letter {Topic}[{Partition}]@{Offset} ({Reason}) was refused whole: {Error}; sent again alone, truncated: {Truncated} ({SentBytes} of {OriginalBytes} value bytes)")]
    private static partial void LogDeadLetterResent(
        ILogger logger, string topic, int partition, long offset, string reason, string error, bool truncated, int sentBytes, long originalBytes);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Error,
        Message = "Dead letter {Topic}[{Partition}]@{Offset} ({Reason}, {OriginalBytes} value bytes) DROPPED: refused whole ({Error}) and truncated ({TruncatedError}); its offset moves on")]
    private static partial void LogDeadLetterDropped(
        ILogger logger, string topic, int partition, long offset, string reason, long originalBytes, string error, string truncatedError);
}
