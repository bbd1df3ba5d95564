using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Batching;

[LogEventRange("store", 100, 199)]
public sealed partial class StoreGaugeRefresher
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Store counts for the gauges could not be read: {Reason}")]
    private partial void LogCountsUnavailable(string reason);
}
