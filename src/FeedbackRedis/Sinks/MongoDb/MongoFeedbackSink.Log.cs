using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.MongoDb;

/// <remarks>EventIds 5100 to 5199 belong to the MongoDB sink; names and numbers are frozen once shipped.</remarks>
[LogEventRange("MongoDB sink", 5100, 5199)]
public sealed partial class MongoFeedbackSink
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "MongoDB sink ready: database {Database}, collections {Events}, {Agents}, {Batches}, {Contributions}; indexes in place")]
    private partial void LogIndexesReady(string database, string events, string agents, string batches, string contributions);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "MongoDB sink step {Step} failed for {Batches} batch(es)")]
    private partial void LogStepFailed(Exception exception, string step, int batches);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "MongoDB sink wrote {Batches} batch(es), {Events} event(s); {Counted} newly counted in agent aggregates")]
    private partial void LogGroupWritten(int batches, int events, long counted);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "MongoDB sink refused {Rejected} of the {Events} item(s) of batch {BatchId} one by one; the rest is written. First reason: {Reason}")]
    private partial void LogItemsRejected(string batchId, int rejected, int events, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "MongoDB sink refused the aggregates of batch {BatchKey}: sealed before what apply records are kept for ({RetentionDays} days minus one); it could be counted twice")]
    private partial void LogBeyondHorizon(string batchKey, int retentionDays);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "MongoDB sink counted {Events} event(s) of batch {OwnerKey} for agent {AgentId}, which that batch wrote first and never counted; completed by batch {BatchId}, which carried one of them again")]
    private partial void LogOwnerCompleted(long events, string ownerKey, string agentId, string batchId);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "MongoDB sink could not confirm {Contributions} agent contribution(s) of batch {BatchId} in {Rounds} guarded rounds; the batch is retried")]
    private partial void LogNotConfirmed(string batchId, int contributions, int rounds);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Debug, Message = "MongoDB sink compacted {Keys} applied batch key(s) of {Agents} agent(s) into {Collection}")]
    private partial void LogCompacted(int keys, int agents, string collection);

    [LoggerMessage(EventId = 5108, Level = LogLevel.Warning, Message = "MongoDB sink could not compact the applied batch keys of {Agents} agent(s); they stay in the agent documents, still guarding, until a later write")]
    private partial void LogCompactionFailed(Exception? exception, int agents);

    [LoggerMessage(EventId = 5109, Level = LogLevel.Information, Message = "MongoDB sink changed the TTL of the apply records in {Collection} to {RetentionDays} days")]
    private partial void LogRetentionChanged(string collection, int retentionDays);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Warning, Message = "MongoDB sink could not complete {Completions} owner share(s) in this write; a later batch carrying their events tries again")]
    private partial void LogCompletionFailed(Exception exception, int completions);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "MongoDB sink found {Events} event(s) of batch {BatchId} whose id is already stored for another agent; the first stored is kept and counted, these are not. First: {EventId} for {AgentId}, stored for {StoredAgentId}")]
    private partial void LogIdConflicts(int events, string batchId, string eventId, string agentId, string storedAgentId);
}
