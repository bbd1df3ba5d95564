using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The dead-letter publisher's log events, in a range of its own inside the consumer's, under the consumer's category.
/// Method names are the event names.
/// </summary>
[LogEventRange("dead-letter publisher", 3029, 3039)]
public sealed partial class DeadLetterPublisher
{
    [LoggerMessage(EventId = 3029, Level = LogLevel.Warning,
        Message = "Dead letter {Topic}[{Partition}]@{Offset} ({Reason}) was refused whole: {Error}; sent again alone, truncated: {Truncated} ({SentBytes} of {OriginalBytes} value bytes)")]
    private partial void LogDeadLetterResent(
        string topic, int partition, long offset, string reason, string error, bool truncated, int sentBytes, long originalBytes);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Error,
        Message = "Dead letter {Topic}[{Partition}]@{Offset} ({Reason}, {OriginalBytes} value bytes) DROPPED: refused whole ({Error}) and truncated ({TruncatedError}); its offset moves on")]
    private partial void LogDeadLetterDropped(
        string topic, int partition, long offset, string reason, long originalBytes, string error, string truncatedError);
}
