using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The consumer's log events. Method names are the event names: part of the telemetry contract. 3018 (its librdkafka
/// log) is retired: that is <see cref="KafkaClientLog"/>'s 7000 now; 3029-3039 are the dead-letter publisher's.
/// </summary>
[LogEventRange("consumer", 3000, 3099)]
public sealed partial class FeedbackConsumer
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Consumer started: group {GroupId}, topics {Topics}, dead letters to {DeadLetterTopic}, micro-batches of up to {MaxBatch} messages or {MaxWaitMs} ms, commit safety {CommitSafetyMs} ms")]
    private partial void LogStarted(string groupId, string topics, string deadLetterTopic, int maxBatch, double maxWaitMs, double commitSafetyMs);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Partitions assigned ({Count}): {Partitions}")]
    private partial void LogAssigned(int count, string partitions);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Partitions {How} ({Count}): {Partitions}; {Dropped} unacknowledged messages dropped for the next owner to read again")]
    private partial void LogReleased(string how, int count, string partitions, int dropped);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Committed {Count} offsets on {Occasion}: {Offsets}")]
    private partial void LogCommitted(string occasion, int count, string offsets);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Information,
        Message = "Revocation of {Count} partitions: final offsets stored for {Stored}; librdkafka commits them before the partitions move")]
    private partial void LogRevocationStored(int count, int stored);

    [LoggerMessage(EventId = 3026, Level = LogLevel.Debug, Message = "Kafka committed {Count} offsets: {Offsets}")]
    private partial void LogAutoCommitted(int count, string offsets);

    [LoggerMessage(EventId = 3027, Level = LogLevel.Warning, Message = "Closing the Kafka consumer failed: {Reason}")]
    private partial void LogCloseFailed(string reason);

    [LoggerMessage(EventId = 3028, Level = LogLevel.Information, Message = "Commit on {Occasion} refused (attempt {Attempt}): {Reason}; waiting for the group to settle")]
    private partial void LogCommitRetry(string occasion, int attempt, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Nothing to commit on {Occasion}")]
    private partial void LogNothingToCommit(string occasion);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning,
        Message = "Commit on {Occasion} failed: {Reason}; a later commit or the next owner's replay (deduplicated by event id) covers it")]
    private partial void LogCommitFailed(string occasion, string reason);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Storing offset {Topic}[{Partition}]@{Offset} failed: {Reason}")]
    private partial void LogStoreFailed(string topic, int partition, long offset, string reason);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason}")]
    private partial void LogConsumeError(ErrorCode code, string reason);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Kafka {Client} error {Code} (fatal: {Fatal}): {Reason}")]
    private partial void LogKafkaError(string client, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Error, Message = "A consumer turn failed; held messages stay held and are retried")]
    private partial void LogTurnFailed(Exception exception);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "Handling a revocation failed; uncommitted offsets are replayed by the next owner")]
    private partial void LogRevocationFailed(Exception exception);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Critical, Message = "Fatal Kafka error; the consumer stops")]
    private partial void LogFatal(Exception exception);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Consumer stopping; {Held} messages held")]
    private partial void LogStopping(int held);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "Shutdown drain ran out of its {BudgetMs} ms; what is not acknowledged is replayed by the next owner")]
    private partial void LogDrainTimedOut(double budgetMs);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Information, Message = "Consumer stopped")]
    private partial void LogStopped();

    [LoggerMessage(EventId = 3040, Level = LogLevel.Critical, Message = "Consumer stuck, liveness now fails so the pod is restarted: {Why}")]
    private partial void LogStuck(string why);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Warning, Message = "Consumer moving again after being stuck")]
    private partial void LogUnstuck();
}
