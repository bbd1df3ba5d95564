using FeedbackRedis.Items;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    private int _claimShard;

    /// <summary>Seals open batches whose deadline has passed (trigger <c>time</c>), at most <paramref name="limit"/> per shard.</summary>
    /// <returns>The number of batches sealed.</returns>
    public async Task<int> SealDueAsync(int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var sealedPerShard = await ForEachShardAsync(async shard =>
            SealDueScript.Parse(await EvalAsync(SealDueScript.Build(Keys, shard, NowArg(), BatchTimeMs, limit))));
        return sealedPerShard.Sum();
    }

    /// <summary>Seals one agent's open batch now (trigger <c>manual</c>).</summary>
    /// <param name="member">An agent id, or a global lane (<c>#global-N</c>).</param>
    /// <returns>The new batch id, or null when it had no open batch.</returns>
    public async Task<string?> SealAsync(string member, CancellationToken cancellationToken = default)
    {
        CheckMember(member);
        cancellationToken.ThrowIfCancellationRequested();
        return SealMemberScript.Parse(await EvalAsync(SealMemberScript.Build(Keys, member, NowArg(), BatchTimeMs)));
    }

    /// <summary>
    /// Claims the oldest ready batches under a lease for <paramref name="owner"/>, after returning expired leases to
    /// ready (or parking them as dead on their last attempt). Claimed batches are invisible to other claimers until
    /// acked, released, or their lease expires. Shards are visited round-robin; when a later shard cannot be served (a
    /// slot migrating, a node down) the batches claimed so far are returned, and only a claim that got nothing throws.
    /// </summary>
    /// <param name="owner">The claiming flusher's unique id.</param>
    /// <param name="maxBatches">The most batches to claim.</param>
    /// <param name="maxEvents">The most events in all; the first batch is always taken whole.</param>
    public async Task<IReadOnlyList<ClaimedBatch>> ClaimAsync(
        string owner, int maxBatches, int maxEvents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var claimed = new List<ClaimedBatch>();
        int start = Interlocked.Increment(ref _claimShard);
        for (int i = 0; i < Keys.ShardCount && claimed.Count < maxBatches && maxEvents > 0; i++)
        {
            int shard = (int)((uint)(start + i) % (uint)Keys.ShardCount);
            var call = ClaimScript.Build(Keys, shard, NowArg(), owner, LeaseMs, maxBatches - claimed.Count, maxEvents, _options.MaxAttempts);
            RedisResult reply;
            try
            {
                reply = await EvalAsync(call);
            }
            catch (BatchStoreUnavailableException) when (claimed.Count > 0)
            {
                break; // keep what earlier shards gave: dropping it would leave those leases to expire, an attempt lost
            }

            foreach (var batch in ClaimScript.Parse(reply, owner))
            {
                claimed.Add(batch);
                maxEvents -= batch.Items.Count;
            }
        }

        return claimed;
    }

    /// <summary>Returns expired leases to ready (or dead on their last attempt) without claiming anything.</summary>
    /// <returns>The number of expired leases handled.</returns>
    public async Task<int> ReclaimExpiredAsync(int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var handledPerShard = await ForEachShardAsync(async shard =>
            ReclaimScript.Parse(await EvalAsync(ReclaimScript.Build(Keys, shard, NowArg(), _options.MaxAttempts, limit))));
        return handledPerShard.Sum();
    }

    /// <summary>
    /// Deletes a written batch, only while its lease is still the batch's current lease, and releases its event ids
    /// from the duplicate guard (an id appended again after this starts a new batch; the sink's upsert absorbs it).
    /// </summary>
    /// <returns>
    /// True when deleted; false when the lease was lost (expired and taken over, or released), or when the batch no
    /// longer holds as many items as <paramref name="batch"/> (Redis lost data since the claim, and the same id, owner
    /// and fence now name a batch that was not written): nothing is deleted that the caller did not write.
    /// </returns>
    public async Task<bool> AckAsync(ClaimedBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        return AckScript.Parse(await EvalAsync(AckScript.Build(Keys, batch.Lease, batch.Items.Count, batch.EventIds)));
    }

    /// <summary>
    /// Moves the items at <paramref name="positions"/> out of a claimed batch into a new dead batch of the same member
    /// (trigger <c>quarantine</c>, <paramref name="reason"/> as its <c>lastError</c>), under the lease, so the rest can be
    /// written and acked. Their event ids stay in the duplicate guard, as a dead batch's do.
    /// </summary>
    /// <returns>
    /// The batch as it now is (its remaining items) and the dead batch's id; null when the lease was lost.
    /// </returns>
    public async Task<(ClaimedBatch Remaining, string DeadBatchId)?> QuarantineAsync(
        ClaimedBatch batch, IReadOnlyCollection<int> positions, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var moved = positions.Where(p => p >= 0 && p < batch.Items.Count).Distinct().Order().ToList();
        if (moved.Count == 0)
        {
            throw new ArgumentException($"no position names an item of batch {batch.BatchId} ({batch.Items.Count} items)", nameof(positions));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var lease = batch.Lease;
        if (QuarantineScript.Parse(await EvalAsync(QuarantineScript.Build(Keys, lease, NowArg(), reason, moved))) is not { } deadBatchId)
        {
            return null;
        }

        var gone = moved.ToHashSet();
        var remaining = new ClaimedBatch(
            lease, batch.Attempt, batch.Member, batch.Trigger, batch.OpenedAt, batch.SealedAt, batch.LeaseUntil,
            [.. batch.Items.Where((_, i) => !gone.Contains(i))]);
        return (remaining, deadBatchId);
    }

    /// <summary>Gives a claimed batch back without acking it; see <see cref="ReleaseMode"/>.</summary>
    /// <param name="lease">The lease held.</param>
    /// <param name="mode">Retry later, park as dead now, or return untried.</param>
    /// <param name="reason">Why; kept on the batch as <c>lastError</c>.</param>
    /// <param name="retryDelay">With <see cref="ReleaseMode.Retry"/>: how long before it is claimable again.</param>
    /// <param name="cancellationToken">Cancels before the call is sent.</param>
    public async Task<ReleaseOutcome> ReleaseAsync(
        BatchLease lease, ReleaseMode mode, string reason, TimeSpan retryDelay = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(reason);
        cancellationToken.ThrowIfCancellationRequested();
        return ReleaseScript.Parse(await EvalAsync(ReleaseScript.Build(Keys, lease, NowArg(), mode, reason, retryDelay, _options.MaxAttempts)));
    }

    /// <summary>Extends a lease still held to a full lease duration from now.</summary>
    /// <returns>The new expiry, or null when the lease was lost.</returns>
    public async Task<DateTimeOffset?> RenewAsync(BatchLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        return RenewScript.Parse(await EvalAsync(RenewScript.Build(Keys, lease, NowArg(), LeaseMs))) is { } until
            ? ScriptValues.FromMs(until)
            : null;
    }

    /// <summary>Moves a dead batch back to ready with its attempts reset.</summary>
    /// <returns>True when replayed; false when no dead batch has that id.</returns>
    public async Task<bool> ReplayAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        cancellationToken.ThrowIfCancellationRequested();
        return ReplayScript.Parse(await EvalAsync(ReplayScript.Build(Keys, batchId, NowArg())));
    }

    /// <summary>
    /// Replays, in one go, the dead batches (oldest first, at most <paramref name="limit"/> of them) whose last error
    /// contains <paramref name="reasonContains"/> (case-insensitive), or all of them when it is null: an operator's
    /// repair after the sink refused everything for a while. Each is one <see cref="ReplayAsync"/>, pipelined.
    /// </summary>
    /// <returns>The batch ids replayed (a batch replayed or dropped meanwhile by someone else is not among them).</returns>
    public async Task<IReadOnlyList<string>> ReplayDeadAsync(string? reasonContains, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var dead = await ListSealedAsync(BatchState.Dead, limit, cancellationToken);
        var chosen = dead
            .Where(b => reasonContains is null || (b.LastError?.Contains(reasonContains, StringComparison.OrdinalIgnoreCase) ?? false))
            .Select(b => b.Id)
            .ToList();
        var replayed = await Task.WhenAll(chosen.Select(id => ReplayAsync(id, cancellationToken)));
        return [.. chosen.Where((_, i) => replayed[i])];
    }

    /// <summary>
    /// Deletes a dead batch for good and releases its event ids from the duplicate guard: an operator's decision, taken
    /// after saving <paramref name="items"/> (as read with <see cref="GetBatchAsync"/>) somewhere else.
    /// </summary>
    /// <returns>
    /// <see cref="DropOutcome.Dropped"/>; <see cref="DropOutcome.NotDead"/> when no dead batch has that id (replayed
    /// meanwhile, or never dead); <see cref="DropOutcome.Changed"/> when its length is not that of
    /// <paramref name="items"/>.
    /// </returns>
    public async Task<DropOutcome> DropDeadAsync(string batchId, IReadOnlyList<string> items, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        ArgumentNullException.ThrowIfNull(items);
        cancellationToken.ThrowIfCancellationRequested();
        var ids = items.Select(StoredItem.EventIdOf).OfType<string>().ToList();
        return DropScript.Parse(await EvalAsync(DropScript.Build(Keys, batchId, items.Count, ids)));
    }

    private static void CheckMember(string member)
    {
        if (!AgentIds.IsLane(member) && AgentIds.Explain(member) is { } problem)
        {
            throw new ArgumentException(problem, nameof(member));
        }
    }
}
