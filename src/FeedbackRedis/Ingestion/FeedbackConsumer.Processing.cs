using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>
    /// Takes everything held (<see cref="_held"/>) to an acknowledged state: dead letters delivered, events appended
    /// (one <see cref="RedisBatchStore.AppendAsync(IReadOnlyList{AppendEvent}, IReadOnlyList{PartitionPosition}, CancellationToken)"/>
    /// for the whole micro-batch, which records each partition's highest offset in Redis in the same step; with no valid
    /// event it records only the offsets). Only then are the next offsets recorded in the ledger for Kafka. When Redis
    /// refuses the append because it lost what this consumer recorded before, those partitions are rewound
    /// (<see cref="PartitionPositioner.Rewind"/>) and the rest is appended again. On failure everything stays held, marked with how far it
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
                    _positioner!.Rewind(result.Behind);
                    if (_held.Count == 0)
                    {
                        return true;
                    }

                    continue;
                }

                ConsumerTracing.Appended(span, result); // tracing
                _backpressure.Added(result.Added);
                _appends.Acknowledge(held, positions, result);
                _backpressure.RedisUp();

                break;
            }
            catch (InvalidBatchEventException ex) when (ex.Index >= 0 && ex.Index < valid.Count)
            {
                // The engine refused an event the classifier accepted: dead-letter it rather than stall on it.
                valid[ex.Index].Classification = Classification.Reject(ReasonFor(ex.Reason), FeedbackEventReader.Truncate(ex.Message));
            }
            catch (BatchStoreUnavailableException ex)
            {
                _backpressure.RedisDown(_held.Count, ex.Message);
                FeedbackTracing.Failed(span, "redis-unavailable", ex.Message); // tracing
                return false;
            }
        }

        _held.Clear();
        return true;
    }

    /// <summary>Delivers the held dead letters not yet delivered (<see cref="DeadLetterDelivery"/>); false (and paused) when the dead-letter topic cannot take them.</summary>
    private async Task<bool> TryDeadLetterAsync(CancellationToken cancellationToken)
    {
        if (await _deadLetters!.TryDeliverAsync(_held.Messages, cancellationToken) is not { } delivered)
        {
            return true; // none to deliver
        }

        _backpressure.DeadLetterTopic(available: delivered);
        return delivered;
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

    /// <summary>
    /// Held messages go the careful way (everything in flight back first, one append at a time, with retries) after a
    /// failure, while Redis or the dead-letter topic is unavailable, and until what failed went through.
    /// </summary>
    private bool Careful => _held.NeedsCare || _backpressure.Unavailable;

    /// <summary>
    /// Sends the micro-batch held (<see cref="_held"/>) into the window of appends in flight (<see cref="AppendAcknowledger"/>) without waiting for it: its
    /// partitions positioned, its messages classified and its dead letters delivered first (their offsets are recorded
    /// by this append). Waits for the oldest append in flight only while the window is full. When an append in flight
    /// failed or was refused, everything in flight comes back in front of what is held and goes the careful way.
    /// </summary>
    /// <returns>False when what is held could not be sent (it stays held).</returns>
    private async Task<bool> TrySendHeldAsync(CancellationToken cancellationToken)
    {
        if (!await TryPrepareHeldAsync(cancellationToken))
        {
            _held.AttemptFailed();
            return false;
        }

        if (_held.Count == 0)
        {
            return true;
        }

        if (!await TryDeadLetterAsync(cancellationToken))
        {
            _held.AttemptFailed();
            return false;
        }

        while (_appends.IsFull)
        {
            if (!await _appends.TakeBackOldestAsync())
            {
                return await TryProcessHeldAsync(useRetry: !_backpressure.ShouldPause, cancellationToken);
            }
        }

        // tracing: the micro-batch's span (null when off); in this path it covers handing the append to Redis, not its reply
        using var span = ConsumerTracing.StartProcess(_held.Messages, _kafka.GroupId);
        var sent = _appends.Send(_held.Messages, cancellationToken);
        _backpressure.Added(sent.Valid.Count); // counted as pending from now: the gate closes before the mark, not appends later
        _held.Clear();
        return true;
    }

    /// <summary>Takes back every append in flight that is done, oldest first, without waiting.</summary>
    private async Task TakeBackDoneAsync(CancellationToken cancellationToken)
    {
        while (_appends.OldestDone)
        {
            if (!await _appends.TakeBackOldestAsync())
            {
                await TryProcessHeldAsync(useRetry: !_backpressure.ShouldPause, cancellationToken);
                return;
            }
        }
    }

    /// <inheritdoc cref="AppendAcknowledger.DrainAsync"/>
    private Task<bool> DrainWindowAsync(CancellationToken cancellationToken) => _appends.DrainAsync(cancellationToken);
}
