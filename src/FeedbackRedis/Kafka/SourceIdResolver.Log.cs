using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Kafka;

[LogEventRange("source id", 7100, 7199)]
public sealed partial class SourceIdResolver
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Information,
        Message = "Source id of fallback event ids: {SourceId} (FEEDBACK_SOURCE_ID)")]
    private partial void LogConfigured(string sourceId);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information,
        Message = "Source id of fallback event ids: {SourceId}, the Kafka cluster id (FEEDBACK_SOURCE_ID is not set)")]
    private partial void LogLearnt(string sourceId);
}
