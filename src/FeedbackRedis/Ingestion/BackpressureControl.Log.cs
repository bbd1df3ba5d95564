using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's log events about pausing and Redis's availability (logged on the consumer's logger, in its range).</summary>
[LogEventRange("consumer", 3000, 3099)]
public sealed partial class BackpressureControl
{
    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Paused {Count} partitions: {Reasons} (pending events {Pending})")]
    private partial void LogPaused(int count, string reasons, long pending);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Resumed {Count} partitions (pending events {Pending})")]
    private partial void LogResumed(int count, long pending);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Redis is unavailable; holding {Held} messages, nothing stored past them: {Error}")]
    private partial void LogRedisUnavailable(int held, string error);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Redis is available again")]
    private partial void LogRedisBack();

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Append retry {Attempt} in {DelayMs} ms: {Error}")]
    private partial void LogAppendRetry(int attempt, double delayMs, string error);
}
