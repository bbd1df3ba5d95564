namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>
    /// Held messages go the careful way (everything in flight back first, one append at a time, with retries) after a
    /// failure, while Redis or the dead-letter topic is unavailable, and until what failed went through.
    /// </summary>
    private bool Careful => _held.NeedsCare || _gate.ShouldPauseForUnavailability();

    /// <summary>
    /// Sends the micro-batch held (<see cref="_held"/>) into the <see cref="AppendWindow"/> without waiting for it: its
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

        while (_window.IsFull)
        {
            if (!await TakeBackOldestAsync())
            {
                return await TryProcessHeldAsync(useRetry: !_gate.ShouldPause, cancellationToken);
            }
        }

        // tracing: the micro-batch's span (null when off); in this path it covers handing the append to Redis, not its reply
        using var span = ConsumerTracing.StartProcess(_held.Messages, _kafka.GroupId);
        var sent = _window.Send(_held.Messages, _book.Expected, cancellationToken);
        _gate.Added(sent.Valid.Count); // counted as pending from now: the gate closes before the mark, not appends later
        _held.Clear();
        return true;
    }

    /// <summary>Takes back every append in flight that is done, oldest first, without waiting.</summary>
    private async Task TakeBackDoneAsync(CancellationToken cancellationToken)
    {
        while (_window.OldestDone)
        {
            if (!await TakeBackOldestAsync())
            {
                await TryProcessHeldAsync(useRetry: !_gate.ShouldPause, cancellationToken);
                return;
            }
        }
    }

    /// <summary>
    /// Waits for every append in flight, oldest first (before a rebalance stores offsets, before a rewind, the careful
    /// way and shutdown). What failed is held again, in front, for the careful way.
    /// </summary>
    /// <returns>True when every append in flight was taken in.</returns>
    private async Task<bool> DrainWindowAsync(CancellationToken cancellationToken)
    {
        while (_window.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await TakeBackOldestAsync())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Waits for the oldest append in flight and acknowledges it if Redis took it in. If not, every append in flight is
    /// held again, in front of what is held (they were taken from Kafka first), to be sent again the careful way, which
    /// meets the failure or the refusal itself (and rewinds on a refusal).
    /// </summary>
    /// <returns>True when the oldest was taken in.</returns>
    private async Task<bool> TakeBackOldestAsync()
    {
        var outcome = await _window.TakeOldestAsync();
        if (!outcome.Broken)
        {
            var append = outcome.Appends[0];
            Acknowledge(append.Messages, append.Positions, append.Result!);
            return true;
        }

        var back = outcome.Appends.SelectMany(a => a.Messages).ToList();
        int taken = outcome.Appends.Sum(a => a.Result is { Refused: false } r ? r.Added : 0);
        var first = outcome.Appends[0];
        string why = first.Task.Exception?.GetBaseException().Message ?? "Redis refused it: it holds less than this consumer recorded";
        LogWindowBroken(outcome.Appends.Count, back.Count, taken, why);
        _metrics.Appended(taken, 0); // Redis holds these; sent again, they are skipped as duplicates
        // In place: a rebalance callback drains the window in the middle of a micro-batch being filled into this list.
        _held.PutBack(back);
        return false;
    }
}
