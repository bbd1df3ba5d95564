using FeedbackRedis.Batching;
using FeedbackRedis.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>
/// One flusher round (docs/FLUSHING.md): seal due batches, then claim groups of ready batches under a lease and, per
/// group, write it to the sink, announce each written batch and ack it. Leases are renewed while a group is in hand
/// (<see cref="LeaseKeeper"/>). Each batch ends a round acked, released for a retry, given back, or dead; a failure of
/// one batch never stops the others. <see cref="FlusherService"/> runs rounds on a timer.
/// </summary>
public sealed partial class BatchFlusher(
    RedisBatchStore store,
    IFeedbackSink sink,
    IFlushedBatchPublisher publisher,
    IOptions<FlusherOptions> options,
    FlusherIdentity identity,
    TimeProvider time,
    ILogger<BatchFlusher> logger,
    FlusherMetrics metrics)
{
    /// <summary>Groups one round may claim before it lets the timer seal due batches again.</summary>
    public const int MaxGroupsPerRound = 16;

    private readonly FlusherOptions _options = options.Value;
    private readonly RetryBackoff _backoff = new(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private int _unavailableStreak;

    /// <summary>The lease owner name this flusher claims with.</summary>
    public string Owner => identity.Owner;

    /// <summary>
    /// Runs one round. Once <paramref name="stoppingToken"/> is cancelled no new group is claimed; a group in hand gets
    /// <see cref="FlusherOptions.DrainTimeout"/> to finish before its leases are given back.
    /// </summary>
    public async Task<FlushRound> RunOnceAsync(CancellationToken stoppingToken)
    {
        var round = FlushRound.Empty;
        try
        {
            round = round with { Sealed = await store.SealDueAsync(cancellationToken: stoppingToken) };
        }
        catch (BatchStoreUnavailableException ex)
        {
            LogStoreUnavailable(ex, "seal due batches");
            return round;
        }

        // One group ahead at most: the next group is claimed (and its leases kept) while the current one is written, so the
        // sink does not wait for Redis between groups nor Redis for the sink.
        var next = CanClaim(stoppingToken) ? await ClaimGroupAsync() : null;
        for (int group = 0; next is not null; group++)
        {
            var current = next;
            var ahead = group + 1 < MaxGroupsPerRound && CanClaim(stoppingToken) ? ClaimGroupAsync() : Task.FromResult<ClaimedGroup?>(null);
            try
            {
                round = round.Plus(await FlushGroupAsync(current, stoppingToken));
            }
            finally
            {
                next = await ahead;
            }

            if (next is not null && !CanClaim(stoppingToken))
            {
                // the group just written paused claims (sink unavailable, lease lost) or the service is stopping
                round = round.Plus(await GiveBackAsync(next, stoppingToken.IsCancellationRequested ? "shutting down" : "claims paused"));
                next = null;
            }
        }

        return round;
    }

    private bool CanClaim(CancellationToken stoppingToken) => !stoppingToken.IsCancellationRequested && time.GetUtcNow() >= _pausedUntil;

    /// <summary>Claims the next group and starts renewing its leases; null when nothing is ready or Redis cannot say.</summary>
    private async Task<ClaimedGroup?> ClaimGroupAsync()
    {
        long claimStarted = time.GetTimestamp();
        IReadOnlyList<ClaimedBatch> claimed;
        try
        {
            claimed = await store.ClaimAsync(identity.Owner, _options.MaxWriteBatches, _options.MaxWriteEvents, CancellationToken.None);
        }
        catch (BatchStoreUnavailableException ex)
        {
            LogStoreUnavailable(ex, "claim");
            return null;
        }

        return claimed.Count == 0
            ? null
            : new ClaimedGroup(claimed, LeaseKeeper.Start(store, claimed.Select(c => c.Lease), store.Options.LeaseDuration, claimStarted, time, logger));
    }

    /// <summary>Gives a group claimed ahead back unwritten (ready again at once, no attempt used).</summary>
    private async Task<FlushRound> GiveBackAsync(ClaimedGroup group, string reason)
    {
        var tally = new Tally { Claimed = group.Batches.Count };
        await using var keeper = group.Keeper;
        foreach (var claim in group.Batches)
        {
            await SettleAsync(claim, null, reason, keeper, tally);
        }

        return tally.ToRound();
    }

    /// <summary>Writes one claimed group to the sink, then announces and acks what was written; settles the rest.</summary>
    private async Task<FlushRound> FlushGroupAsync(ClaimedGroup group, CancellationToken stoppingToken)
    {
        var tally = new Tally { Claimed = group.Batches.Count };
        await using var keeper = group.Keeper;
        using var abort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var onLost = keeper.LeaseLost.Register(abort.Cancel);
        using var onStop = stoppingToken.Register(() => abort.CancelAfter(_options.DrainTimeout));

        var batches = await ReadAsync(group.Batches, keeper, tally);
        if (batches.Count == 0)
        {
            return tally.ToRound();
        }

        long writeStarted = time.GetTimestamp();
        using var writeSpan = FlusherTracing.StartSinkWrite(sink.Name, batches); // tracing: the write's span, parent of the driver's (null when off)
        if (await WriteAsync(batches, keeper, tally, abort) is not { } results)
        {
            FlusherTracing.WriteAbandoned(writeSpan, keeper.LeaseLost.IsCancellationRequested ? "lease lost during the write" : "shutting down during the write"); // tracing
            return tally.ToRound();
        }

        FlusherTracing.SinkWritten(writeSpan, results); // tracing: ends the span; this group's announcements carry its context (set here, in this async flow)

        var (written, unavailable) = await SettleResultsAsync(batches, results, keeper, tally);
        if (unavailable is not null)
        {
            PauseClaims(unavailable);
        }

        if (written.Count > 0)
        {
            if (unavailable is null)
            {
                _unavailableStreak = 0;
            }

            await AnnounceAndAckAsync(written, keeper, tally, abort.Token);
            int events = written.Sum(b => b.Events.Count);
            var elapsed = time.GetElapsedTime(writeStarted);
            LogGroupFlushed(tally.Acked, events, sink.Name, elapsed.TotalMilliseconds);
        }

        return tally.ToRound();
    }

    /// <summary>Reads the claimed batches' items; a batch with nothing writable in it is dead at once.</summary>
    private async Task<List<FeedbackBatch>> ReadAsync(IReadOnlyList<ClaimedBatch> claimed, LeaseKeeper keeper, Tally tally)
    {
        var batches = new List<FeedbackBatch>(claimed.Count);
        foreach (var claim in claimed)
        {
            var batch = FeedbackBatch.Read(claim);
            if (batch.Events.Count == 0)
            {
                // Nothing in it can be written: the whole batch is dead at once, with the first item's reason.
                await SettleAsync(claim, SinkOutcome.Invalid, Quarantine.Describe(batch.Unreadable, claim), keeper, tally);
            }
            else
            {
                batches.Add(batch);
            }
        }

        return batches;
    }

    /// <summary>
    /// One sink write of the group. Null when it was abandoned (lease lost or shutting down: every batch given back).
    /// An exception the sink did not foresee is a failed attempt for each batch.
    /// </summary>
    private async Task<IReadOnlyList<BatchWriteResult>?> WriteAsync(List<FeedbackBatch> batches, LeaseKeeper keeper, Tally tally, CancellationTokenSource abort)
    {
        long writeStarted = time.GetTimestamp();
        IReadOnlyList<BatchWriteResult> results;
        try
        {
            results = await sink.WriteAsync(batches, abort.Token);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            string reason = keeper.LeaseLost.IsCancellationRequested ? "lease lost during the write" : "shutting down during the write";
            LogWriteAbandoned(batches.Count, reason);
            foreach (var batch in batches)
            {
                await SettleAsync(batch.Claim, null, reason, keeper, tally);
            }

            if (keeper.LeaseLost.IsCancellationRequested)
            {
                PauseClaims(reason);
            }

            return null;
        }
        catch (Exception ex)
        {
            // A sink reports unavailability itself; an exception it did not foresee uses an attempt, so a batch that
            // keeps making it throw ends dead with the reason instead of being retried for ever.
            LogSinkThrew(ex, sink.Name, batches.Count);
            results = [.. batches.Select(b => new BatchWriteResult(b.BatchId, SinkOutcome.Failed, $"{sink.Name} sink threw: {ex.GetType().Name}: {ex.Message}"))];
        }

        metrics.SinkWrite(sink.Name, time.GetElapsedTime(writeStarted), results);
        return results;
    }

    /// <summary>
    /// Per batch of the write: written (its refused items quarantined) or settled by its outcome. Returns the written
    /// ones and the first reason the sink gave for being unavailable.
    /// </summary>
    private async Task<(List<FeedbackBatch> Written, string? Unavailable)> SettleResultsAsync(
        List<FeedbackBatch> batches, IReadOnlyList<BatchWriteResult> results, LeaseKeeper keeper, Tally tally)
    {
        var outcomes = results.ToDictionary(r => r.BatchId, StringComparer.Ordinal);
        var written = new List<FeedbackBatch>(batches.Count);
        string? unavailable = null;
        foreach (var batch in batches)
        {
            var result = outcomes.GetValueOrDefault(batch.BatchId) ?? new BatchWriteResult(batch.BatchId, SinkOutcome.Failed, "the sink reported no result");
            if (result.Outcome == SinkOutcome.Written)
            {
                if (await QuarantineAsync(batch, result.RejectedItems, keeper, tally) is { } rest)
                {
                    written.Add(rest);
                }
            }
            else
            {
                await SettleAsync(batch.Claim, result.Outcome, result.Reason ?? result.Outcome.ToString(), keeper, tally);
                unavailable ??= result.Outcome == SinkOutcome.Unavailable ? result.Reason : null;
            }
        }

        return (written, unavailable);
    }

    /// <summary>A claimed group whose leases are being renewed.</summary>
    private sealed record ClaimedGroup(IReadOnlyList<ClaimedBatch> Batches, LeaseKeeper Keeper);

    private async Task AnnounceAndAckAsync(List<FeedbackBatch> written, LeaseKeeper keeper, Tally tally, CancellationToken abort)
    {
        var flushedAt = time.GetUtcNow();
        var published = await Task.WhenAll(written.Select(b => b.Events.Count == 0 ? Task.FromResult<string?>(null) : PublishAsync(b, flushedAt, abort)));
        var toAck = new List<FeedbackBatch>(written.Count);
        string? unannounced = null;
        for (int i = 0; i < written.Count; i++)
        {
            if (published[i] is null)
            {
                toAck.Add(written[i]);
            }
            else
            {
                unannounced = $"written, but not announced: {published[i]}";
                await SettleAsync(written[i].Claim, SinkOutcome.Unavailable, unannounced, keeper, tally);
            }
        }

        if (unannounced is not null)
        {
            PauseClaims(unannounced);
        }

        if (toAck.Count == 0)
        {
            return;
        }

        if (_options.TestPauseBeforeAck > TimeSpan.Zero)
        {
            LogTestPauseBeforeAck(_options.TestPauseBeforeAck.TotalMilliseconds, string.Join(", ", toAck.Select(b => b.BatchId)));
            try
            {
                await Task.Delay(_options.TestPauseBeforeAck, time, abort);
            }
            catch (OperationCanceledException)
            {
                // shutting down or lease lost: ack what is still ours
            }
        }

        if (keeper.LeaseLost.IsCancellationRequested)
        {
            LogLeaseInDoubt(string.Join(", ", toAck.Select(b => b.BatchId)));
        }

        foreach (var batch in toAck)
        {
            keeper.Forget(batch.Claim.Lease);
        }

        var acks = await Task.WhenAll(toAck.Select(b => AckAsync(b.Claim)));
        var ackedAt = time.GetUtcNow();
        for (int i = 0; i < toAck.Count; i++)
        {
            switch (acks[i])
            {
                case true:
                    tally.Acked++;
                    metrics.Flushed(toAck[i], ackedAt);
                    break;
                case false:
                    tally.Lost++;
                    LogAckLost(toAck[i].BatchId);
                    break;
                default:
                    LogAckFailed(toAck[i].BatchId);
                    break;
            }
        }
    }

    /// <summary>
    /// Moves the items of a written batch that could not be stored (unreadable, or refused by the sink one by one) into
    /// a dead batch of their own, so the rest is announced and acked.
    /// </summary>
    /// <returns>The batch as written (the stored events only), or null when it was settled otherwise (lease lost, Redis down).</returns>
    private async Task<FeedbackBatch?> QuarantineAsync(FeedbackBatch batch, IReadOnlyList<RejectedItem> refused, LeaseKeeper keeper, Tally tally)
    {
        var rejected = batch.Unreadable.Concat(refused).ToList();
        if (rejected.Count == 0)
        {
            return batch;
        }

        string reason = Quarantine.Describe(rejected, batch.Claim);
        (ClaimedBatch Remaining, string DeadBatchId)? moved;
        try
        {
            moved = await store.QuarantineAsync(batch.Claim, [.. rejected.Select(r => r.ItemIndex)], reason);
        }
        catch (BatchStoreUnavailableException ex)
        {
            LogStoreUnavailable(ex, $"quarantine items of {batch.BatchId}");
            await SettleAsync(batch.Claim, SinkOutcome.Unavailable, "written, but its refused items could not be quarantined", keeper, tally);
            return null;
        }

        if (moved is not { } done)
        {
            keeper.Forget(batch.Claim.Lease);
            tally.Lost++;
            LogReleaseStale(batch.BatchId);
            return null;
        }

        tally.Quarantined += rejected.Count;
        metrics.Quarantined(rejected.Count);
        LogItemsQuarantined(rejected.Count, batch.BatchId, done.DeadBatchId, reason);
        var gone = rejected.Select(r => r.ItemIndex).ToHashSet();
        return new FeedbackBatch(done.Remaining, [.. batch.Events.Where(e => !gone.Contains(e.ItemIndex))]);
    }

    /// <summary>Announces one batch; returns null when delivered, else why not.</summary>
    private async Task<string?> PublishAsync(FeedbackBatch batch, DateTimeOffset flushedAt, CancellationToken abort)
    {
        try
        {
            await publisher.PublishAsync(FlushedBatchMessage.From(batch, sink.Name, flushedAt), abort);
            metrics.Published(ok: true);
            return null;
        }
        catch (Exception ex)
        {
            metrics.Published(ok: false);
            LogPublishFailed(ex, batch.BatchId);
            return ex is OperationCanceledException ? "announcement cancelled (lease lost or shutting down)" : ex.Message;
        }
    }

    /// <summary>True when acked; false when the lease was lost; null when Redis could not be reached.</summary>
    private async Task<bool?> AckAsync(ClaimedBatch batch)
    {
        try
        {
            return await store.AckAsync(batch);
        }
        catch (BatchStoreUnavailableException ex)
        {
            LogStoreUnavailable(ex, $"ack {batch.BatchId}");
            return null;
        }
    }

    /// <summary>
    /// Releases a batch that was not written: given back (<paramref name="outcome"/> unavailable, or null for an
    /// abandoned write), retried after a backoff delay (failed or rejected; dead on its last attempt), or dead (invalid).
    /// </summary>
    private async Task SettleAsync(ClaimedBatch claim, SinkOutcome? outcome, string reason, LeaseKeeper keeper, Tally tally)
    {
        keeper.Forget(claim.Lease);
        var (mode, delay) = outcome switch
        {
            null or SinkOutcome.Unavailable => (ReleaseMode.Return, TimeSpan.Zero),
            SinkOutcome.Invalid => (ReleaseMode.Dead, TimeSpan.Zero),
            _ => (ReleaseMode.Retry, _backoff.Delay(claim.Attempt)),
        };
        ReleaseOutcome released;
        try
        {
            released = await store.ReleaseAsync(claim.Lease, mode, reason, delay);
        }
        catch (BatchStoreUnavailableException ex)
        {
            LogStoreUnavailable(ex, $"release {claim.BatchId}");
            return;
        }

        metrics.Released(mode, released);

        switch (released)
        {
            case ReleaseOutcome.Dead:
                tally.Dead++;
                LogBatchDead(claim.BatchId, claim.Attempt, reason);
                break;
            case ReleaseOutcome.Stale:
                tally.Lost++;
                LogReleaseStale(claim.BatchId);
                break;
            case ReleaseOutcome.Ready when mode == ReleaseMode.Retry:
                tally.Retried++;
                LogBatchRetry(claim.BatchId, claim.Attempt, delay.TotalMilliseconds, reason);
                break;
            default:
                tally.Returned++;
                LogBatchReturned(claim.BatchId, reason);
                break;
        }
    }

    private void PauseClaims(string reason)
    {
        var until = time.GetUtcNow() + _backoff.Delay(++_unavailableStreak);
        if (until > _pausedUntil)
        {
            _pausedUntil = until;
            LogClaimsPaused((until - time.GetUtcNow()).TotalMilliseconds, _unavailableStreak, reason);
        }
    }

    private sealed class Tally
    {
        public int Claimed;
        public int Acked;
        public int Retried;
        public int Returned;
        public int Dead;
        public int Lost;
        public int Quarantined;

        public FlushRound ToRound() => new(0, Claimed, Acked, Retried, Returned, Dead, Lost) { Quarantined = Quarantined };
    }
}
