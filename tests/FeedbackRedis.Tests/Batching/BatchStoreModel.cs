using System.IO.Hashing;
using System.Text;
using FeedbackRedis.Batching;
using FeedbackRedis.Items;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// The in-memory reference model of the batch engine for <see cref="BatchStoreModelTests"/>: what Redis must hold
/// after each call, written from the life cycle in docs/ARCHITECTURE.md and the script headers, per shard. Counters
/// and the duplicate guard are not stored: they are derived (pending = events in open, ready and in-flight batches;
/// open-events = events in open batches; guard = ids of every event still held, dead ones included), so the check
/// compares Redis's counters and guard with what they must be, not with a second bookkeeping that could drift alike.
/// Every operation takes <c>shardCalls</c>: how many of its per-shard script calls took effect (all, unless a call
/// failed, when the engine promises each call happened whole or not at all, so the test tries each count).
/// </summary>
internal sealed class BatchStoreModel
{
    private readonly BatchingOptions _options;
    private readonly ModelShard[] _shards;

    public BatchStoreModel(BatchingOptions options)
    {
        _options = options;
        Keys = new KeySchema(options.KeyPrefix, options.RedisShards);
        _shards = [.. Enumerable.Range(0, Keys.ShardCount).Select(_ => new ModelShard())];
    }

    private BatchStoreModel(BatchStoreModel other)
    {
        _options = other._options;
        Keys = other.Keys;
        _shards = [.. other._shards.Select(s => s.Clone())];
    }

    public KeySchema Keys { get; }

    public IReadOnlyList<ModelShard> Shards => _shards;

    private long BatchTimeMs => (long)_options.BatchTime.TotalMilliseconds;

    private long GraceMs => (long)_options.BatchGrace.TotalMilliseconds;

    /// <summary>The batch size, batch time and byte limit that apply to <paramref name="member"/> (its P:policy parts, else the global ones).</summary>
    public (long Size, long TimeMs, long Bytes) LimitsOf(string member)
    {
        var p = _shards[Keys.ShardOf(member)].Policies.GetValueOrDefault(member);
        return (p?.BatchSize ?? _options.BatchSize, p?.BatchTimeMs ?? BatchTimeMs, p?.MaxBytes ?? _options.MaxBatchBytes);
    }

    /// <summary><c>policy set</c> (merge, or replace the whole entry): the entry after, null when none is left.</summary>
    public BatchPolicy? SetPolicy(string member, BatchPolicy policy, PolicyParts remove, bool replace)
    {
        var policies = _shards[Keys.ShardOf(member)].Policies;
        var after = replace ? policy : policies.GetValueOrDefault(member, BatchPolicy.None).Merge(policy, remove);
        if (after.IsEmpty)
        {
            policies.Remove(member);
            return null;
        }

        policies[member] = after;
        return after;
    }

    public bool ClearPolicy(string member) => _shards[Keys.ShardOf(member)].Policies.Remove(member);

    /// <summary>
    /// A recount with apply on the first <paramref name="shardCalls"/> shards: the counters and the guard are derived, so
    /// they cannot drift; P:open-bytes is set to each open list's bytes where a byte limit applies or an entry exists (the
    /// scripts count a batch opened before a limit applied from its first item under one, so these differ). Returns
    /// the number of open-bytes entries rewritten per shard.
    /// </summary>
    public List<long> Recount(int shardCalls)
    {
        var rewritten = new List<long>();
        for (int shard = 0; shard < Math.Min(shardCalls, _shards.Length); shard++)
        {
            long n = 0;
            foreach (var (member, open) in _shards[shard].Open)
            {
                long real = open.RealBytes;
                if ((open.Bytes is not null || LimitsOf(member).Bytes > 0) && open.Bytes != real)
                {
                    open.Bytes = real;
                    n++;
                }
            }

            rewritten.Add(n);
        }

        return rewritten;
    }

    private long LeaseMs => (long)_options.LeaseDuration.TotalMilliseconds;

    private long MaxOpenPerShard => (_options.MaxOpenBatches + Keys.ShardCount - 1) / Keys.ShardCount;

    private long GlobalTrigger => _options.Mode == BatchingMode.Hybrid ? _options.GlobalTrigger : 0;

    public BatchStoreModel Clone() => new(this);

    public ModelBatch? Batch(string batchId) =>
        _shards[Keys.ShardOf(KeySchema.MemberOf(batchId))].Sealed.GetValueOrDefault(batchId);

    public IEnumerable<ModelBatch> Batches => _shards.SelectMany(s => s.Sealed.Values);

    public string MemberFor(AppendEvent e) => _options.Mode == BatchingMode.Global
        ? AgentIds.Lane((int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(e.EventId)) % (uint)_options.GlobalLanes))
        : e.AgentId;

    /// <summary>The shards an append of these events and positions sends a call to, in shard order.</summary>
    public List<int> AppendShards(IReadOnlyList<AppendEvent> events, IReadOnlyList<PartitionPosition> positions) =>
        positions.Count > 0
            ? [.. Enumerable.Range(0, Keys.ShardCount)]
            : [.. events.Select(e => Keys.ShardOf(MemberFor(e))).Distinct().Order()];

    /// <summary>
    /// An append as the client sends it: events grouped by member per shard (members in order of first appearance),
    /// repeats of an id within a shard dropped (the first kept, by group), one script call per shard (this test stays
    /// under 512 events a call). <paramref name="applied"/> says which shards' calls took effect (all by default).
    /// </summary>
    public ModelAppend Append(IReadOnlyList<AppendEvent> events, IReadOnlyList<PartitionPosition> positions, long now, Func<int, bool>? applied = null)
    {
        var byShard = new List<(string Member, List<AppendEvent> Events)>[Keys.ShardCount];
        foreach (var e in events)
        {
            string member = MemberFor(e);
            var groups = byShard[Keys.ShardOf(member)] ??= [];
            int g = groups.FindIndex(x => x.Member == member);
            if (g < 0)
            {
                groups.Add((member, [e]));
            }
            else
            {
                groups[g].Events.Add(e);
            }
        }

        int added = 0, duplicates = 0, sealedCount = 0;
        var behind = new HashSet<KafkaPartition>();
        foreach (int shard in AppendShards(events, positions))
        {
            var groups = byShard[shard] ?? [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (_, list) in groups)
            {
                duplicates += list.RemoveAll(e => !seen.Add(e.EventId));
            }

            if (applied is not null && !applied(shard))
            {
                continue;
            }

            var reply = _shards[shard].Append(this, shard, groups, positions, now);
            added += reply.Added;
            duplicates += reply.Duplicates;
            sealedCount += reply.Sealed;
            behind.UnionWith(reply.Behind);
        }

        var offsets = behind.Count == 0 ? new Dictionary<KafkaPartition, long?>() : ReadOffsets(behind);
        return new ModelAppend(added, duplicates, sealedCount, offsets);
    }

    /// <summary>What ReadOffsetsAsync returns: the lowest recorded offset over the shards, null when one holds none.</summary>
    public Dictionary<KafkaPartition, long?> ReadOffsets(IEnumerable<KafkaPartition> partitions) =>
        partitions.Distinct().ToDictionary(p => p, p => _shards.All(s => s.Offsets.ContainsKey(p.Field))
            ? _shards.Min(s => s.Offsets[p.Field])
            : (long?)null);

    /// <summary>Seal-due: the first <paramref name="shardCalls"/> shards, in shard order, seal what is due.</summary>
    public int SealDue(long now, int limit, int shardCalls)
    {
        int count = 0;
        for (int shard = 0; shard < Math.Min(shardCalls, _shards.Length); shard++)
        {
            var s = _shards[shard];
            var due = s.DeadlineOrder().Where(m => s.Open[m].Deadline <= now).Take(limit).ToList();
            count += s.SealPopped(due, "time", now, BatchTimeMs);
        }

        return count;
    }

    /// <summary>The manual seal of one member's open batch: the new batch id, or null when it has none.</summary>
    public string? Seal(string member, long now)
    {
        var s = _shards[Keys.ShardOf(member)];
        return s.Open.ContainsKey(member) ? s.SealOne(member, "manual", now, BatchTimeMs) : null;
    }

    /// <summary>How many script calls a claim makes (it stops early once it has enough).</summary>
    public int ClaimCalls(int startShard, int maxBatches, int maxEvents, long now) =>
        Clone().Claim("?", startShard, maxBatches, maxEvents, now, int.MaxValue).Calls;

    /// <summary>
    /// A claim from a store whose round-robin counter gave <paramref name="startShard"/>: shards in turn from there, each
    /// call first returning expired leases to ready (or dead), until enough batches or events are claimed.
    /// </summary>
    public (List<ModelBatch> Claimed, int Calls) Claim(string owner, int startShard, int maxBatches, int maxEvents, long now, int shardCalls)
    {
        var claimed = new List<ModelBatch>();
        int calls = 0;
        for (int i = 0; i < _shards.Length && claimed.Count < maxBatches && maxEvents > 0 && calls < shardCalls; i++)
        {
            calls++;
            var s = _shards[(int)((uint)(startShard + i) % (uint)_shards.Length)];
            s.ReclaimExpired(now, _options.MaxAttempts, 1000);
            int events = 0;
            foreach (var batch in s.Ordered(ModelBatchState.Ready).Where(b => b.Score <= now).Take(maxBatches - claimed.Count).ToList())
            {
                if (events > 0 && events + batch.Items.Count > maxEvents)
                {
                    break;
                }

                events += batch.Items.Count;
                batch.Attempts++;
                batch.Fence++;
                batch.Owner = owner;
                batch.LeaseUntil = now + LeaseMs;
                batch.Move(ModelBatchState.InFlight, batch.LeaseUntil);
                claimed.Add(batch.Clone());
            }

            maxEvents -= events;
        }

        return (claimed, calls);
    }

    /// <summary>Reclaim without claiming: expired leases go back to ready, or dead on their last attempt.</summary>
    public int Reclaim(long now, int limit, int shardCalls)
    {
        int handled = 0;
        for (int shard = 0; shard < Math.Min(shardCalls, _shards.Length); shard++)
        {
            handled += _shards[shard].ReclaimExpired(now, _options.MaxAttempts, limit);
        }

        return handled;
    }

    private ModelBatch? Held(BatchLease lease) =>
        Batch(lease.BatchId) is { State: ModelBatchState.InFlight } b && b.Owner == lease.Owner && b.Fence == lease.Fence ? b : null;

    /// <summary>
    /// Ack: deletes the batch while the caller holds its lease. The engine releases the ids the caller passes; the
    /// model keeps the guard equal to what is held, so an ack whose lease holds while the batch is not what its holder
    /// claimed (a lease token that matches another batch) is reported rather than mirrored.
    /// </summary>
    public bool Ack(ClaimedBatch claim)
    {
        if (Held(claim.Lease) is not { } batch)
        {
            return false;
        }

        var held = batch.Items.Select(e => e.Item).ToList();
        if (!held.SequenceEqual(claim.Items))
        {
            throw new ModelViolationException(
                $"the lease ({claim.Lease.Owner}, fence {claim.Lease.Fence}) of {claim.BatchId} still holds, but the batch is not what its holder "
                + $"claimed: Redis holds [{string.Join(", ", batch.Items.Select(e => e.Id))}], the caller claimed [{string.Join(", ", claim.Items.Select(ItemIds.Of))}]; "
                + "the ack deletes what Redis holds and releases the ids the caller passes");
        }

        _shards[Keys.ShardOf(KeySchema.MemberOf(claim.BatchId))].Sealed.Remove(claim.BatchId);
        return true;
    }

    public long? Renew(BatchLease lease, long now)
    {
        if (Held(lease) is not { } batch)
        {
            return null;
        }

        batch.LeaseUntil = now + LeaseMs;
        batch.Score = batch.LeaseUntil;
        return batch.LeaseUntil;
    }

    public ReleaseOutcome Release(BatchLease lease, ReleaseMode mode, long retryDelayMs, long now)
    {
        if (Held(lease) is not { } batch)
        {
            return ReleaseOutcome.Stale;
        }

        if (mode == ReleaseMode.Dead || (mode == ReleaseMode.Retry && batch.Attempts >= _options.MaxAttempts))
        {
            batch.ParkDead(now);
            return ReleaseOutcome.Dead;
        }

        long readyAt = now;
        if (mode == ReleaseMode.Return)
        {
            batch.Attempts--;
        }
        else
        {
            readyAt = now + retryDelayMs;
        }

        batch.Owner = "";
        batch.LeaseUntil = 0;
        batch.Move(ModelBatchState.Ready, readyAt);
        return ReleaseOutcome.Ready;
    }

    /// <summary>Quarantine of the items at <paramref name="positions"/> (0-based, distinct, in range): the new dead batch's id.</summary>
    public string? Quarantine(BatchLease lease, IReadOnlyList<int> positions, long now)
    {
        if (Held(lease) is not { } batch)
        {
            return null;
        }

        var move = positions.ToHashSet();
        var bad = batch.Items.Where((_, i) => move.Contains(i)).ToList();
        if (bad.Count == 0)
        {
            return "";
        }

        var s = _shards[Keys.ShardOf(KeySchema.MemberOf(lease.BatchId))];
        string deadId = $"{batch.Member}:{++s.Seq}";
        var dead = new ModelBatch(deadId, batch.Member, "quarantine", bad, batch.OpenedAt, now);
        s.Sealed[deadId] = dead;
        dead.ParkDead(now);
        batch.Items = [.. batch.Items.Where((_, i) => !move.Contains(i))];
        return deadId;
    }

    public bool Replay(string batchId, long now)
    {
        if (Batch(batchId) is not { State: ModelBatchState.Dead } batch)
        {
            return false;
        }

        batch.Attempts = 0;
        batch.Owner = "";
        batch.LeaseUntil = 0;
        batch.Move(ModelBatchState.Ready, now);
        return true;
    }

    public DropOutcome Drop(string batchId, int itemCount)
    {
        if (Batch(batchId) is not { State: ModelBatchState.Dead } batch)
        {
            return DropOutcome.NotDead;
        }

        if (batch.Items.Count != itemCount)
        {
            return DropOutcome.Changed;
        }

        _shards[Keys.ShardOf(KeySchema.MemberOf(batchId))].Sealed.Remove(batchId);
        return DropOutcome.Dropped;
    }

    /// <summary>One shard's keys: its open batches, sealed batches, recorded offsets and batch sequence.</summary>
    internal sealed class ModelShard
    {
        public Dictionary<string, ModelOpenBatch> Open { get; private init; } = new(StringComparer.Ordinal);

        public Dictionary<string, ModelBatch> Sealed { get; private init; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Offsets { get; private init; } = new(StringComparer.Ordinal);

        /// <summary>P:policy: member -> its override.</summary>
        public Dictionary<string, BatchPolicy> Policies { get; private init; } = new(StringComparer.Ordinal);

        public long Seq { get; set; }

        public IEnumerable<ModelEvent> Events => Open.Values.SelectMany(o => o.Items).Concat(Sealed.Values.SelectMany(b => b.Items));

        public long OpenEvents => Open.Values.Sum(o => o.Items.Count);

        public long Pending => OpenEvents + Sealed.Values.Where(b => b.State != ModelBatchState.Dead).Sum(b => b.Items.Count);

        public ModelShard Clone() => new()
        {
            Open = Open.ToDictionary(o => o.Key, o => o.Value.Clone(), StringComparer.Ordinal),
            Sealed = Sealed.ToDictionary(b => b.Key, b => b.Value.Clone(), StringComparer.Ordinal),
            Offsets = new Dictionary<string, long>(Offsets, StringComparer.Ordinal),
            Policies = new Dictionary<string, BatchPolicy>(Policies, StringComparer.Ordinal),
            Seq = Seq,
        };

        /// <summary>Open members in P:deadlines order: by deadline, then by name (bytewise, as a sorted set orders ties).</summary>
        public List<string> DeadlineOrder() =>
            [.. Open.OrderBy(o => o.Value.Deadline).ThenBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Key)];

        /// <summary>Sealed batches in one state, in their sorted set's order.</summary>
        public IEnumerable<ModelBatch> Ordered(ModelBatchState state) =>
            Sealed.Values.Where(b => b.State == state).OrderBy(b => b.Score).ThenBy(b => b.Id, StringComparer.Ordinal);

        public ModelShardReply Append(
            BatchStoreModel model, int shard, List<(string Member, List<AppendEvent> Events)> groups, IReadOnlyList<PartitionPosition> positions, long now)
        {
            var behind = positions
                .Where(p => p.Expected >= 0 && Offsets.GetValueOrDefault(p.Partition.Field, -1) < p.Expected)
                .Select(p => p.Partition)
                .ToList();
            if (behind.Count > 0)
            {
                return new ModelShardReply(0, 0, 0, behind);
            }

            var guard = Events.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            int added = 0, duplicates = 0, sealedCount = 0;

            // The script pushes the members with one event first, then the others: the order decides batch ids.
            foreach (var (member, list) in groups.Where(g => g.Events.Count == 1).Concat(groups.Where(g => g.Events.Count > 1)))
            {
                var items = new List<ModelEvent>();
                foreach (var e in list)
                {
                    if (guard.Contains(e.EventId))
                    {
                        duplicates++;
                        continue;
                    }

                    items.Add(new ModelEvent(e.EventId, e.AgentId, e.Item.AsJson()));
                }

                if (items.Count > 0)
                {
                    added += items.Count;
                    var (size, time, limit) = model.LimitsOf(member);
                    sealedCount += limit > 0 ? PushBytes(model, member, items, size, time, limit, now) : Push(model, member, items, size, time, now);
                }
            }

            foreach (var p in positions)
            {
                if (p.Taken > Offsets.GetValueOrDefault(p.Partition.Field, -1))
                {
                    Offsets[p.Partition.Field] = p.Taken;
                }
            }

            if (model.GlobalTrigger > 0 && OpenEvents >= model.GlobalTrigger)
            {
                string lane = model.Keys.ShardLane(shard);
                var (laneSize, _, laneBytes) = model.LimitsOf(lane);
                sealedCount += Combine(lane, model.GlobalTrigger, laneSize, laneBytes, now, model.BatchTimeMs);
            }

            int over = Open.Count - (int)model.MaxOpenPerShard;
            if (over > 0)
            {
                sealedCount += SealPopped(DeadlineOrder().Take(over).ToList(), "overflow", now, model.BatchTimeMs);
            }

            return new ModelShardReply(added, duplicates, sealedCount, []);
        }

        /// <summary>Seals one member's open batch under the next sequence number; its id.</summary>
        public string SealOne(string member, string trigger, long now, long batchTimeMs) =>
            SealList(member, Open[member], Open[member].Items, trigger, now, batchTimeMs);

        /// <summary>
        /// Seals <paramref name="items"/> as a batch of <paramref name="member"/>: <paramref name="open"/> is the member's open
        /// batch they include (its openedAt), or null for a list made and sealed within one call (no deadline yet: openedAt now).
        /// </summary>
        private string SealList(string member, ModelOpenBatch? open, List<ModelEvent> items, string trigger, long now, long batchTimeMs)
        {
            Open.Remove(member);
            string id = $"{member}:{++Seq}";
            Sealed[id] = new ModelBatch(id, member, trigger, items, open?.OpenedAt(batchTimeMs) ?? now, now);
            return id;
        }

        /// <summary>A member's first item: the deadline (with grace: now + grace, capped by the hard maximum), and P:opened when the deadline does not say openedAt.</summary>
        private ModelOpenBatch Opening(BatchStoreModel model, string member, long timeMs, long now)
        {
            long hard = now + timeMs;
            var open = new ModelOpenBatch(model.GraceMs > 0 ? Math.Min(now + model.GraceMs, hard) : hard);
            if (model.GraceMs > 0 || timeMs != model.BatchTimeMs)
            {
                open.Opened = (now, hard);
            }

            Open[member] = open;
            return open;
        }

        /// <summary>Grace: a new item moves the deadline to now + grace, never past the hard maximum.</summary>
        private static void Extend(BatchStoreModel model, ModelOpenBatch open, long now) =>
            open.Deadline = Math.Min(now + model.GraceMs, open.Opened?.HardMax ?? open.Deadline);

        /// <summary>
        /// append.lua's push without a byte limit: the list seals when it reaches the size; the overshoot goes into the next
        /// batch; a list already at or over the size (lowered since) is sealed whole with all of this call's items.
        /// </summary>
        private int Push(BatchStoreModel model, string member, List<ModelEvent> items, long size, long timeMs, long now)
        {
            int made = 0, from = 0;
            while (from < items.Count)
            {
                var open = Open.GetValueOrDefault(member);
                int pushed = items.Count - from;
                long length = (open?.Items.Count ?? 0) + pushed;
                if (length < size)
                {
                    if (open is null)
                    {
                        open = Opening(model, member, timeMs, now);
                    }
                    else if (model.GraceMs > 0)
                    {
                        Extend(model, open, now);
                    }

                    open.Items.AddRange(items.Skip(from));
                    return made;
                }

                long over = length - size;
                if (over >= pushed)
                {
                    over = 0;
                }

                int take = pushed - (int)over;
                SealList(member, open, [.. open?.Items ?? [], .. items.Skip(from).Take(take)], "size", now, model.BatchTimeMs);
                made++;
                from += take;
            }

            return made;
        }

        /// <summary>
        /// append.lua's push with a byte limit, item by item: an item that would take a non-empty batch past the limit seals
        /// it first; the batch seals at the size or once its counted bytes reach the limit. The counted bytes start from
        /// P:open-bytes (0 when the open batch has no entry: opened while no limit applied).
        /// </summary>
        private int PushBytes(BatchStoreModel model, string member, List<ModelEvent> items, long size, long timeMs, long limit, long now)
        {
            var open = Open.GetValueOrDefault(member);
            var list = open is null ? new List<ModelEvent>() : [.. open.Items];
            long length = list.Count;
            long bytes = open?.Bytes ?? 0;
            int made = 0;
            void Close(string trigger)
            {
                SealList(member, open, list, trigger, now, model.BatchTimeMs);
                made++;
                open = null;
                list = [];
                length = bytes = 0;
            }

            var fresh = new List<ModelEvent>();
            foreach (var item in items)
            {
                long b = ModelOpenBatch.BytesOf(item);
                if (length > 0 && bytes + b > limit)
                {
                    Close("bytes");
                    fresh.Clear();
                }

                list.Add(item);
                fresh.Add(item);
                length++;
                bytes += b;
                if (length >= size)
                {
                    Close("size");
                    fresh.Clear();
                }
                else if (bytes >= limit)
                {
                    Close("bytes");
                    fresh.Clear();
                }
            }

            if (fresh.Count > 0)
            {
                if (open is null)
                {
                    open = Opening(model, member, timeMs, now);
                }
                else if (model.GraceMs > 0)
                {
                    Extend(model, open, now);
                }

                open.Items.AddRange(fresh);
                open.Bytes = bytes;
            }

            return made;
        }

        /// <summary>Seals several members at once: the sequence moves by their number, each takes the next one in order.</summary>
        public int SealPopped(List<string> members, string trigger, long now, long batchTimeMs)
        {
            long seq = Seq;
            Seq += members.Count;
            foreach (string member in members)
            {
                var open = Open[member];
                Open.Remove(member);
                string id = $"{member}:{++seq}";
                Sealed[id] = new ModelBatch(id, member, trigger, open.Items, open.OpenedAt(batchTimeMs), now);
            }

            return members.Count;
        }

        /// <summary>
        /// The global trigger (hybrid): the oldest open batches are moved into batches of the shard's lane, at most the
        /// lane's batch size and byte limit each (whole agents' batches: one alone may exceed them), until at most half the
        /// trigger remain open; a combined batch's openedAt is the earliest of its agents'.
        /// </summary>
        private int Combine(string lane, long trigger, long batchSize, long maxBytes, long now, long batchTimeMs)
        {
            long target = trigger / 2;
            long remaining = OpenEvents;
            int made = 0;
            long bytes = 0;
            ModelBatch? current = null;
            foreach (string member in DeadlineOrder())
            {
                if (remaining <= target)
                {
                    break;
                }

                var open = Open[member];
                Open.Remove(member);
                long itemBytes = maxBytes > 0 ? open.RealBytes : 0;
                if (current is not null && (current.Items.Count + open.Items.Count > batchSize || (maxBytes > 0 && bytes + itemBytes > maxBytes)))
                {
                    current = null;
                }

                if (current is null)
                {
                    string id = $"{lane}:{++Seq}";
                    current = new ModelBatch(id, lane, "global", [], open.OpenedAt(batchTimeMs), now);
                    Sealed[id] = current;
                    bytes = 0;
                    made++;
                }

                current.OpenedAt = Math.Min(current.OpenedAt, open.OpenedAt(batchTimeMs));
                current.Items.AddRange(open.Items);
                bytes += itemBytes;
                remaining -= open.Items.Count;
            }

            return made;
        }

        public int ReclaimExpired(long now, int maxAttempts, int limit)
        {
            var expired = Ordered(ModelBatchState.InFlight).Where(b => b.Score <= now).Take(limit).ToList();
            foreach (var batch in expired)
            {
                if (batch.Attempts >= maxAttempts)
                {
                    batch.ParkDead(now);
                }
                else
                {
                    batch.Owner = "";
                    batch.LeaseUntil = 0;
                    batch.Move(ModelBatchState.Ready, now);
                }
            }

            return expired.Count;
        }
    }
}

/// <summary>One event as it is held: its id, agent and stored item.</summary>
internal sealed record ModelEvent(string Id, string Agent, string Item);

internal enum ModelBatchState
{
    Ready,
    InFlight,
    Dead,
}

/// <summary>
/// An open batch: its items in arrival order, its deadline (first item's arrival + batch time; with grace moved by each
/// item, never past the hard maximum), its P:opened entry and its P:open-bytes entry (the bytes the scripts counted).
/// </summary>
internal sealed class ModelOpenBatch(long deadline)
{
    public long Deadline { get; set; } = deadline;

    /// <summary>P:opened: (openedAt, hard maximum), kept when the deadline does not say them; null when there is none.</summary>
    public (long OpenedAt, long HardMax)? Opened { get; set; }

    /// <summary>P:open-bytes: the item bytes counted while a byte limit applied; null when there is no entry.</summary>
    public long? Bytes { get; set; }

    public List<ModelEvent> Items { get; private init; } = [];

    /// <summary>The UTF-8 bytes of all its items.</summary>
    public long RealBytes => Items.Sum(BytesOf);

    /// <summary>openedAt as the scripts read it: P:opened, else deadline - the global batch time.</summary>
    public long OpenedAt(long batchTimeMs) => Opened?.OpenedAt ?? Deadline - batchTimeMs;

    public static long BytesOf(ModelEvent e) => Encoding.UTF8.GetByteCount(e.Item);

    public ModelOpenBatch Clone() => new(Deadline) { Items = [.. Items], Opened = Opened, Bytes = Bytes };
}

/// <summary>A sealed batch: its items, its meta fields as the scripts write them, and which sorted set holds it with what score.</summary>
internal sealed class ModelBatch(string id, string member, string trigger, List<ModelEvent> items, long openedAt, long sealedAt)
{
    public string Id { get; } = id;

    public string Member { get; } = member;

    public string Trigger { get; } = trigger;

    public List<ModelEvent> Items { get; set; } = items;

    public long OpenedAt { get; set; } = openedAt;

    public long SealedAt { get; } = sealedAt;

    public ModelBatchState State { get; private set; } = ModelBatchState.Ready;

    /// <summary>Its score: ready from (ms), lease expiry (in flight), or parked at (dead).</summary>
    public long Score { get; set; } = sealedAt;

    public int Attempts { get; set; }

    public long Fence { get; set; }

    public string Owner { get; set; } = "";

    public long LeaseUntil { get; set; }

    public void Move(ModelBatchState state, long score)
    {
        State = state;
        Score = score;
    }

    public void ParkDead(long now)
    {
        Owner = "";
        LeaseUntil = 0;
        Move(ModelBatchState.Dead, now);
    }

    public ModelBatch Clone()
    {
        var copy = (ModelBatch)MemberwiseClone();
        copy.Items = [.. Items];
        return copy;
    }
}

/// <summary>What an append returns, as the model predicts it.</summary>
internal sealed record ModelAppend(int Added, int Duplicates, int Sealed, Dictionary<KafkaPartition, long?> Behind);

/// <summary>One shard's append reply: counts, and the partitions it found behind (then it wrote nothing).</summary>
internal sealed record ModelShardReply(int Added, int Duplicates, int Sealed, List<KafkaPartition> Behind);

/// <summary>The engine did something its contract rules out (reported with the step list).</summary>
internal sealed class ModelViolationException(string message) : Exception(message);
