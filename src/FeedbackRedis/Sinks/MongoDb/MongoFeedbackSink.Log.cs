using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.MongoDb;

/// <remarks>EventIds 5100 to 5199 belong to the MongoDB sink; names and numbers are frozen once shipped.</remarks>
public sealed partial class MongoFeedbackSink
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "MongoDB sink ready: database {Database}, collections {Events}, {Agents}, {Batches}; indexes in place")]
    private partial void LogIndexesReady(string database, string events, string agents, string batches);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "MongoDB sink step {Step} failed for {Batches} batch(es)")]
    private partial void LogStepFailed(Exception exception, string step, int batches);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "MongoDB sink wrote {Batches} batch(es), {Events} event(s); {Counted} newly counted in agent aggregates")]
    private partial void LogGroupWritten(int batches, int events, long counted);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "MongoDB sink refused {Rejected} of the {Events} item(s) of batch {BatchId} one by one; the rest is written. First reason: {Reason}")]
    private partial void LogItemsRejected(string batchId, int rejected, int events, string reason);
}
