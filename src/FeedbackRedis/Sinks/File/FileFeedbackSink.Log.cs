using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.File;

public sealed partial class FileFeedbackSink
{
    [LoggerMessage(Level = LogLevel.Information, Message = "File sink appends JSON lines to {Path}")]
    private partial void LogFileSinkReady(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "File sink could not append to {Path}")]
    private partial void LogFileWriteFailed(Exception exception, string path);
}
