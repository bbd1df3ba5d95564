using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Hosting;

public sealed partial class RedisStartupCheck
{
    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Redis: {Connection}")]
    private static partial void LogRedis(ILogger logger, string connection);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogEvictingRedis(ILogger logger, string problem);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Could not read Redis maxmemory-policy ({Reason}); make sure it is noeviction")]
    private static partial void LogPolicyUnreadable(ILogger logger, string reason);

    /// <summary>A persistence setting whose loss the recorded offsets cover (or that loses nothing).</summary>
    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "{Finding}")]
    private static partial void LogPersistenceCovered(ILogger logger, string finding);

    /// <summary>A persistence setting worth changing, or one refused but started anyway (FEEDBACK_REDIS_PERSISTENCE_CHECK=warn).</summary>
    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogPersistenceRisk(ILogger logger, string problem);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Could not read Redis persistence settings ({Reason}); make sure appendonly is yes with appendfsync everysec or always")]
    private static partial void LogPersistenceUnreadable(ILogger logger, string reason);
}
