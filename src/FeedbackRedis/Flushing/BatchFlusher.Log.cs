using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

[LogEventRange("flusher", 4000, 4099)]
public sealed partial class BatchFlusher
{
    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Redis unavailable during {Operation}; trying again next round")]
    private partial void LogStoreUnavailable(Exception exception, string operation);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Flushed {Batches} batch(es), {Events} event(s) to the {Sink} sink in {Milliseconds:0} ms")]
    private partial void LogGroupFlushed(int batches, int events, string sink, double milliseconds);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Abandoned the write of {Batches} batch(es): {Reason}; their leases are given back")]
    private partial void LogWriteAbandoned(int batches, string reason);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Error, Message = "The {Sink} sink threw while writing {Batches} batch(es); each uses an attempt")]
    private partial void LogSinkThrew(Exception exception, string sink, int batches);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "Could not announce batch {BatchId}")]
    private partial void LogPublishFailed(Exception exception, string batchId);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "TestPauseBeforeAck: pausing {Milliseconds} ms before acking {BatchIds}")]
    private partial void LogTestPauseBeforeAck(double milliseconds, string batchIds);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Warning, Message = "Lease of batch {BatchId} was lost before its ack; its new owner writes it again (the write is idempotent)")]
    private partial void LogAckLost(string batchId);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Warning, Message = "Could not ack batch {BatchId}; it is written again once its lease expires (the write is idempotent)")]
    private partial void LogAckFailed(string batchId);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Error, Message = "Batch {BatchId} is dead after attempt {Attempt}: {Reason}")]
    private partial void LogBatchDead(string batchId, int attempt, string reason);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Warning, Message = "Batch {BatchId} failed on attempt {Attempt}; retried in {DelayMilliseconds:0} ms: {Reason}")]
    private partial void LogBatchRetry(string batchId, int attempt, double delayMilliseconds, string reason);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Batch {BatchId} given back without using an attempt: {Reason}")]
    private partial void LogBatchReturned(string batchId, string reason);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Batch {BatchId} could not be released: its lease was already lost")]
    private partial void LogReleaseStale(string batchId);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "Claiming paused for {Milliseconds:0} ms (unavailable {Streak} time(s) in a row): {Reason}")]
    private partial void LogClaimsPaused(double milliseconds, int streak, string reason);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "Lease of {BatchIds} was not confirmed in time before the ack (renewal failed, late or lost); acking only what is still held")]
    private partial void LogLeaseInDoubt(string batchIds);

    [LoggerMessage(EventId = 4024, Level = LogLevel.Error, Message = "Quarantined {Items} item(s) of batch {BatchId} as dead batch {DeadBatchId}; the rest is written: {Reason}")]
    private partial void LogItemsQuarantined(int items, string batchId, string deadBatchId, string reason);
}
