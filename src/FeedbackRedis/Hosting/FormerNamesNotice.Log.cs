using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Hosting;

[LogEventRange("host start-up", 10, 99)]
public sealed partial class FormerNamesNotice
{
    [LoggerMessage(EventId = 16, Level = LogLevel.Warning,
        Message = "{Former} is the former name of {Current}: its value is used in this release, and the name goes in the next; rename it")]
    private partial void LogFormerName(string former, string current);
}
