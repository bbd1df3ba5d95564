using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Hosting;

[LogEventRange("host start-up", 10, 99)]
public sealed partial class RedisStartupCheck
{
    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Redis: {Connection}")]
    private partial void LogRedis(string connection);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Problem}")]
    private partial void LogEvictingRedis(string problem);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Could not read Redis maxmemory-policy ({Reason}); make sure it is noeviction")]
    private partial void LogPolicyUnreadable(string reason);

    /// <summary>A persistence setting whose loss the recorded offsets cover (or that loses nothing).</summary>
    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "{Finding}")]
    private partial void LogPersistenceCovered(string finding);

    /// <summary>A persistence setting worth changing, or one refused but started anyway (FEEDBACK_REDIS_PERSISTENCE_CHECK=warn).</summary>
    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "{Problem}")]
    private partial void LogPersistenceRisk(string problem);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Could not read Redis persistence settings ({Reason}); make sure appendonly is yes with appendfsync everysec or always")]
    private partial void LogPersistenceUnreadable(string reason);
}
