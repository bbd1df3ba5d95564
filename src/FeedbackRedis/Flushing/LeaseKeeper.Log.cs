using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

internal sealed partial class LeaseKeeper
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew {Leases} lease(s); trying again until the lease runs short")]
    private partial void LogRenewFailed(Exception exception, int leases);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease lost for {BatchIds}: the write is abandoned and the batch left to its new owner")]
    private partial void LogLeaseLost(string batchIds);
}
