using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>
    /// Takes everything held (<see cref="_held"/>) to an acknowledged state: dead letters delivered, events appended
    /// (one <see cref="RedisBatchStore.AppendAsync(IReadOnlyList{AppendEvent}, IReadOnlyList{PartitionPosition}, CancellationToken)"/>
    /// for the whole micro-batch, which records each partition's highest offset in Redis in the same step; with no valid
    /// event it records only the offsets). Only then are the next offsets recorded in the ledger for Kafka. When Redis
    /// refuses the append because it lost what this consumer recorded before, those partitions are rewound
    /// (<see cref="Rewind"/>) and the rest is appended again. On failure everything stays held, marked with how far it
    /// got, for the next try. Nothing of a partition is appended before it is positioned after Redis's record.
    /// </summary>
    /// <param name="useRetry">Run the append through the retry pipeline (not while already paused or in a callback).</param>
    /// <returns>True when all was acknowledged.</returns>
    private async Task<bool> TryProcessHeldAsync(bool useRetry, CancellationToken cancellationToken)
    {
        bool done = await ProcessHeldAsync(useRetry, cancellationToken);
        _held.Attempted(done); // what is held goes the careful way until it went through
        return done;
    }

    /// <summary>Positions the partitions of what is held after Redis's records, then classifies it.</summary>
    /// <returns>False when a partition of it could not be positioned (nothing of it may be appended yet).</returns>
    private async Task<bool> TryPrepareHeldAsync(CancellationToken cancellationToken)
    {
        if (!await TryResolvePositionsAsync(cancellationToken) && _held.Holds(p => !_book.IsResolved(p)))
        {
            return false;
        }

        var receivedAt = _time.GetUtcNow();
        foreach (var message in _held.Messages)
        {
            message.Classification ??= _classifier.Classify(message.Incoming, receivedAt);
        }

        return true;
    }

    private async Task<bool> ProcessHeldAsync(bool useRetry, CancellationToken cancellationToken)
    {
        if (!await TryPrepareHeldAsync(cancellationToken))
        {
            return false;
        }

        if (_held.Count == 0)
        {
            return true;
        }

        var held = _held.Messages;
        using var span = ConsumerTracing.StartProcess(held, _kafka.GroupId); // tracing: the micro-batch's span (null when off)
        while (true)
        {
            if (!await TryDeadLetterAsync(cancellationToken))
            {
                FeedbackTracing.Failed(span, "dead-letter-unavailable", "the dead-letter topic did not take the dead letters"); // tracing
                return false;
            }

            var valid = held.Where(m => !m.Classification!.IsDeadLetter).ToList();
            try
            {
                var events = valid.ConvertAll(m => m.Classification!.Event!);
                var positions = _book.PositionsOf(held);
                var result = useRetry
                    ? await _retry.ExecuteAsync(
                        static (state, token) => new ValueTask<AppendResult>(state.Store.AppendAsync(state.Events, state.Positions, token)),
                        (Store: _store, Events: events, Positions: positions),
                        cancellationToken)
                    : await _store.AppendAsync(events, positions, cancellationToken);
                if (result.Refused)
                {
                    Rewind(result.Behind);
                    if (_held.Count == 0)
                    {
                        return true;
                    }

                    continue;
                }

                ConsumerTracing.Appended(span, result); // tracing
                _gate.Added(result.Added);
                Acknowledge(held, positions, result);
                if (_gate.Reasons.HasFlag(PauseReasons.RedisUnavailable))
                {
                    LogRedisBack();
                    _gate.Set(PauseReasons.RedisUnavailable, false);
                }

                break;
            }
            catch (InvalidBatchEventException ex) when (ex.Index >= 0 && ex.Index < valid.Count)
            {
                // The engine refused an event the classifier accepted: dead-letter it rather than stall on it.
                valid[ex.Index].Classification = Classification.Reject(ReasonFor(ex.Reason), FeedbackEventReader.Truncate(ex.Message));
            }
            catch (BatchStoreUnavailableException ex)
            {
                LogRedisUnavailable(_held.Count, ex.Message);
                FeedbackTracing.Failed(span, "redis-unavailable", ex.Message); // tracing
                _gate.Set(PauseReasons.RedisUnavailable, true);
                return false;
            }
        }

        _held.Clear();
        return true;
    }

    /// <summary>
    /// Redis took in the append of <paramref name="messages"/> (recording <paramref name="positions"/>): the positions
    /// move on and the next offsets wait in the ledger for Kafka, in the order the appends were sent.
    /// </summary>
    private void Acknowledge(IReadOnlyList<PendingMessage> messages, IReadOnlyList<PartitionPosition> positions, AppendResult result)
    {
        _book.Acknowledged(messages, positions, _time.GetUtcNow());
        _metrics.Appended(result.Added, result.Duplicates);
        if (result.Duplicates > 0)
        {
            int events = messages.Count(m => !m.Classification!.IsDeadLetter);
            LogDuplicatesSkipped(result.Duplicates, events);
        }
    }

    /// <summary>Delivers the held dead letters not yet delivered; false (and paused) when the dead-letter topic cannot take them.</summary>
    private async Task<bool> TryDeadLetterAsync(CancellationToken cancellationToken)
    {
        var letters = _held.Messages.Where(m => m.Classification!.IsDeadLetter && !m.DeadLettered).ToList();
        if (letters.Count == 0)
        {
            return true;
        }

        var failure = await _deadLetters!.PublishAsync(letters, cancellationToken);
        // Dropped ones (refused whole and truncated) were logged and counted by the publisher.
        var delivered = letters.Where(l => l.DeadLetterOutcome is DeadLetterOutcome.Delivered or DeadLetterOutcome.Truncated).ToList();
        foreach (var letter in delivered)
        {
            var c = letter.Classification!;
            _metrics.DeadLettered(c.Reason);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                string reason = c.Reason.Name();
                LogDeadLettered(reason, letter.Result.Topic, letter.Result.Partition.Value, letter.Result.Offset.Value, c.Detail);
            }
        }

        if (delivered.Count > 0)
        {
            LogDeadLetters(delivered.Count, _deadLetters.Topic, string.Join(", ", delivered
                .GroupBy(l => l.Classification!.Reason.Name())
                .Select(g => $"{g.Key} {g.Count()}")));
        }

        if (failure is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LogDeadLetterFailed(letters.Count(l => !l.DeadLettered), _deadLetters.Topic, failure.Message);
            _gate.Set(PauseReasons.DeadLetterUnavailable, true);
            return false;
        }

        _gate.Set(PauseReasons.DeadLetterUnavailable, false);
        return true;
    }

    /// <summary>Stores the offsets that have waited out the commit safety margin; librdkafka commits them.</summary>
    /// <returns>How many partitions' offsets were stored.</returns>
    private int StoreDueOffsets()
    {
        int stored = 0;
        foreach (var offset in _book.TakeDue(_time.GetUtcNow(), _options.CommitSafety))
        {
            try
            {
                _consumer!.StoreOffset(offset);
                stored++;
            }
            catch (KafkaException ex)
            {
                LogStoreFailed(offset.Topic, offset.Partition.Value, offset.Offset.Value, ex.Error.Reason);
            }
        }

        return stored;
    }

    /// <summary>
    /// Commits the stored offsets of the whole assignment before leaving the group. While the group is rebalancing the
    /// coordinator refuses commits (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION); then the partitions are paused and the
    /// consumer polls (serving the rejoin, taking no messages) and tries again, for a few seconds. Close() afterwards also
    /// commits the stored offsets of the partitions it releases.
    /// </summary>
    private void CommitOnShutdown(IConsumer<byte[]?, byte[]?> consumer)
    {
        long started = _time.GetTimestamp();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var committed = consumer.Commit();
                string offsets = string.Join(", ", committed.Select(c => $"{c.Topic}[{c.Partition.Value}]@{c.Offset.Value}"));
                LogCommitted("shutdown", committed.Count, offsets);
                return;
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_NoOffset)
            {
                LogNothingToCommit("shutdown");
                return;
            }
            catch (KafkaException ex) when (IsGroupInFlux(ex.Error.Code) && _time.GetElapsedTime(started) < ShutdownCommitPatience)
            {
                LogCommitRetry("shutdown", attempt, ex.Error.Reason);
                consumer.Pause(consumer.Assignment);
                // Serve the rejoin; nothing is taken: the partitions are paused, and a stray message is simply not stored.
                consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (KafkaException ex)
            {
                LogCommitFailed("shutdown", ex.Error.Reason);
                return;
            }
        }
    }

    private static readonly TimeSpan ShutdownCommitPatience = TimeSpan.FromSeconds(5);

    private static bool IsGroupInFlux(ErrorCode code) => code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration
        or ErrorCode.UnknownMemberId or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress;

    private static DeadLetterReason ReasonFor(InvalidEventReason reason) => reason switch
    {
        InvalidEventReason.InvalidAgentId => DeadLetterReason.InvalidAgentId,
        InvalidEventReason.InvalidEventId => DeadLetterReason.InvalidEventId,
        InvalidEventReason.ItemTooLarge => DeadLetterReason.TooLarge,
        _ => DeadLetterReason.WrongShape,
    };
}
