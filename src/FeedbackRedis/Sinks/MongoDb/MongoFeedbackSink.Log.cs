using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.MongoDb;

public sealed partial class MongoFeedbackSink
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MongoDB sink ready: database {Database}, collections {Events}, {Agents}, {Batches}; indexes in place")]
    private partial void LogIndexesReady(string database, string events, string agents, string batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MongoDB sink step {Step} failed for {Batches} batch(es)")]
    private partial void LogStepFailed(Exception exception, string step, int batches);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MongoDB sink wrote {Batches} batch(es), {Events} event(s); {Counted} newly counted in agent aggregates")]
    private partial void LogGroupWritten(int batches, int events, long counted);
}
