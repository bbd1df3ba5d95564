using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's log events about acknowledgements (logged on the consumer's logger, in its range).</summary>
[LogEventRange("consumer", 3000, 3099)]
public sealed partial class AppendAcknowledger
{
    [LoggerMessage(EventId = 3011, Level = LogLevel.Information,
        Message = "Skipped {Duplicates} of {Events} events already appended and not yet flushed (redelivered)")]
    private partial void LogDuplicatesSkipped(int duplicates, int events);

    [LoggerMessage(EventId = 3045, Level = LogLevel.Warning,
        Message = "An append in flight did not go through ({Reason}): {Appends} appends in flight ({Messages} messages) are held again and sent one at a time; {Taken} of their events Redis had taken in are skipped as duplicates")]
    private partial void LogWindowBroken(int appends, int messages, int taken, string reason);
}
