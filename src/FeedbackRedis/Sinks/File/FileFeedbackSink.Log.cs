using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.File;

[LogEventRange("file sink", 6000, 6099)]
public sealed partial class FileFeedbackSink
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "File sink appends JSON lines to {Path}")]
    private partial void LogFileSinkReady(string path);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "File sink could not append to {Path}")]
    private partial void LogFileWriteFailed(Exception exception, string path);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning,
        Message = "File sink refused item #{ItemIndex} (event {EventId}) of batch {BatchId}: its line could not be written; the rest of the group is written")]
    private partial void LogLineRefused(Exception exception, string batchId, int itemIndex, string eventId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning,
        Message = "{Path} ended with a torn line (a writer stopped in the middle of a write); it was closed with a newline so it stays a line of its own")]
    private partial void LogTornEndClosed(string path);
}
