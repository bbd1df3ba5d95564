using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

[LogEventRange("flusher", 4000, 4099)]
public sealed partial class FlusherService
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Flusher {Owner} started: {Sink} sink, poll every {PollMilliseconds} ms, up to {MaxWriteEvents} events per write")]
    private partial void LogStarted(string owner, string sink, double pollMilliseconds, int maxWriteEvents);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Flusher {Owner} stopped")]
    private partial void LogStopped(string owner);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Flusher round failed; the next round runs on schedule")]
    private partial void LogRoundFailed(Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "The {Sink} sink is not ready; trying again in {DelayMilliseconds:0} ms")]
    private partial void LogPrepareFailed(Exception exception, string sink, double delayMilliseconds);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Test hook FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS is on ({Milliseconds} ms): for tests only")]
    private partial void LogTestHookOn(double milliseconds);
}
