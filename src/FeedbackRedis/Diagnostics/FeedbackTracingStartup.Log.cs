using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Diagnostics;

[LogEventRange("tracing", 200, 299)]
public sealed partial class FeedbackTracingStartup
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Tracing on: spans of FeedbackRedis and MongoDB.Driver exported over OTLP to {Endpoint} ({Protocol}) as service {ServiceName}; sampler {Sampler}, at most {LinkLimit} links per span")]
    private partial void LogTracingOn(string endpoint, string protocol, string serviceName, string sampler, int linkLimit);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Tracing off: {Why}")]
    private partial void LogTracingOff(string why);
}
