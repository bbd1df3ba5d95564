using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

[LogEventRange("lease keeper", 4100, 4199)]
internal sealed partial class LeaseKeeper
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "Could not renew {Leases} lease(s); trying again until the lease runs short")]
    private partial void LogRenewFailed(Exception exception, int leases);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Lease lost for {BatchIds}: the write is abandoned and the batch left to its new owner")]
    private partial void LogLeaseLost(string batchIds);
}
