using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

public sealed partial class FlusherService
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Flusher {Owner} started: {Sink} sink, poll every {PollMilliseconds} ms, up to {MaxWriteEvents} events per write")]
    private partial void LogStarted(string owner, string sink, double pollMilliseconds, int maxWriteEvents);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flusher {Owner} stopped")]
    private partial void LogStopped(string owner);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flusher round failed; the next round runs on schedule")]
    private partial void LogRoundFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Sink} sink is not ready; trying again in {DelayMilliseconds:0} ms")]
    private partial void LogPrepareFailed(Exception exception, string sink, double delayMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Test hook FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS is on ({Milliseconds} ms): for tests only")]
    private partial void LogTestHookOn(double milliseconds);
}
