using StackExchange.Redis;

namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    /// <summary>Counts per state over all shards. Read-only.</summary>
    public async Task<StoreCounts> GetCountsAsync(CancellationToken cancellationToken = default)
    {
        var now = await GetNowAsync(cancellationToken);
        long nowMs = now.ToUnixTimeMilliseconds();
        var shards = await ForEachShardAsync(shard => ShardCountsAsync(shard, nowMs));
        return new StoreCounts(
            shards.Sum(c => c.Open), shards.Sum(c => c.Ready), shards.Sum(c => c.InFlight), shards.Sum(c => c.Dead),
            shards.Sum(c => c.OpenEvents), shards.Sum(c => c.Pending), shards.Sum(c => c.Guarded), shards.Sum(c => c.Due),
            shards.Min(c => c.OldestOpened) is { } o ? ScriptValues.FromMs(o) : null, now)
        {
            PolicyOverrides = shards.Sum(c => c.Policies),
        };
    }

    private sealed record ShardCounts(
        long Open, long Ready, long InFlight, long Dead, long Due, long Guarded, long Policies, long OpenEvents, long Pending, long? OldestOpened);

    /// <summary>One shard's counts, in one pipelined batch (and one more read for the oldest open batch's openedAt).</summary>
    private Task<ShardCounts> ShardCountsAsync(int shard, long nowMs) =>
        RunAsync("counts", async () =>
        {
            var batch = _db.CreateBatch();
            var tasks = new Task<long>[]
            {
                batch.SortedSetLengthAsync(Keys.Deadlines(shard)),
                batch.SortedSetLengthAsync(Keys.Ready(shard)),
                batch.SortedSetLengthAsync(Keys.Inflight(shard)),
                batch.SortedSetLengthAsync(Keys.Dead(shard)),
                batch.SortedSetLengthAsync(Keys.Deadlines(shard), double.NegativeInfinity, nowMs),
                batch.SetLengthAsync(Keys.Guard(shard)),
                batch.HashLengthAsync(Keys.Policy(shard)),
            };
            var openEventsTask = batch.StringGetAsync(Keys.OpenEvents(shard));
            var pendingTask = batch.StringGetAsync(Keys.Pending(shard));
            var oldestTask = batch.SortedSetRangeByRankWithScoresAsync(Keys.Deadlines(shard), 0, 0);
            batch.Execute();
            long[] lengths = await Task.WhenAll(tasks);
            var oldest = await oldestTask;
            long? oldestOpened = null;
            if (oldest.Length == 1)
            {
                // The member with the earliest deadline; with grace or per-agent times its openedAt is in P:opened (and
                // another member may have opened earlier: the gauge is then a lower bound, see docs/ARCHITECTURE.md).
                var stored = await _db.HashGetAsync(Keys.Opened(shard), oldest[0].Element);
                oldestOpened = StoredOpenedAt(stored) ?? ((long)oldest[0].Score - BatchTimeMs);
            }

            return new ShardCounts(
                lengths[0], lengths[1], lengths[2], lengths[3], lengths[4], lengths[5], lengths[6],
                ScriptValues.ParseLong(await openEventsTask), ScriptValues.ParseLong(await pendingTask), oldestOpened);
        });

    /// <summary>Open batches, oldest first (by deadline), at most <paramref name="limit"/> per shard. Read-only.</summary>
    public async Task<IReadOnlyList<BatchSummary>> ListOpenAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var list = new List<BatchSummary>();
        for (int shard = 0; shard < Keys.ShardCount; shard++)
        {
            var members = await RunAsync("inspect", () => _db.SortedSetRangeByRankWithScoresAsync(Keys.Deadlines(shard), 0, limit - 1));
            var sizes = await RunAsync("inspect", () => Task.WhenAll(members.Select(m => _db.ListLengthAsync(Keys.OpenBatch(m.Element!)))));
            var opened = members.Length == 0 ? []
                : await RunAsync("inspect", () => _db.HashGetAsync(Keys.Opened(shard), [.. members.Select(m => m.Element)]));
            for (int i = 0; i < members.Length; i++)
            {
                long openedAt = StoredOpenedAt(opened[i]) ?? ((long)members[i].Score - BatchTimeMs);
                list.Add(new BatchSummary(members[i].Element!, BatchState.Open, sizes[i], ScriptValues.FromMs(openedAt), EmptyMeta));
            }
        }

        return [.. list.OrderBy(b => b.OpenedAt).Take(limit)];
    }

    /// <summary>Sealed batches in one state (ready, in flight or dead), oldest first, at most <paramref name="limit"/>. Read-only.</summary>
    public async Task<IReadOnlyList<BatchSummary>> ListSealedAsync(BatchState state, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var list = new List<BatchSummary>();
        for (int shard = 0; shard < Keys.ShardCount; shard++)
        {
            RedisKey index = state switch
            {
                BatchState.Ready => Keys.Ready(shard),
                BatchState.InFlight => Keys.Inflight(shard),
                BatchState.Dead => Keys.Dead(shard),
                _ => throw new ArgumentOutOfRangeException(nameof(state), state, "open batches are listed by ListOpenAsync"),
            };
            var ids = await RunAsync("inspect", () => _db.SortedSetRangeByRankAsync(index, 0, limit - 1));
            foreach (var id in ids)
            {
                if (await GetSealedAsync(id!, state) is { } summary)
                {
                    list.Add(summary);
                }
            }
        }

        return [.. list.OrderBy(b => b.OpenedAt).Take(limit)];
    }

    /// <summary>
    /// One batch and its items: <paramref name="id"/> is an agent id or lane (its open batch) or a batch id. Read-only.
    /// </summary>
    /// <returns>The batch and its items, or null when there is no such batch.</returns>
    public async Task<(BatchSummary Batch, IReadOnlyList<string> Items)?> GetBatchAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        cancellationToken.ThrowIfCancellationRequested();
        if (!id.Contains(':', StringComparison.Ordinal))
        {
            CheckMember(id);
            int shard = Keys.ShardOf(id);
            var deadline = await RunAsync("inspect", () => _db.SortedSetScoreAsync(Keys.Deadlines(shard), id));
            var items = await RunAsync("inspect", () => _db.ListRangeAsync(Keys.OpenBatch(id)));
            if (items.Length == 0)
            {
                return null;
            }

            var stored = await RunAsync("inspect", () => _db.HashGetAsync(Keys.Opened(shard), id));
            var opened = ScriptValues.FromMs(StoredOpenedAt(stored) ?? ((long)(deadline ?? 0) - BatchTimeMs));
            return (new BatchSummary(id, BatchState.Open, items.Length, opened, EmptyMeta), Array.ConvertAll(items, v => (string)v!));
        }

        if (await GetSealedAsync(id, state: null) is not { } summary)
        {
            return null;
        }

        var sealedItems = await RunAsync("inspect", () => _db.ListRangeAsync(Keys.Sealed(id)));
        return (summary, Array.ConvertAll(sealedItems, v => (string)v!));
    }

    private async Task<BatchSummary?> GetSealedAsync(string batchId, BatchState? state)
    {
        int shard = Keys.ShardOf(KeySchema.MemberOf(batchId));
        var meta = await RunAsync("inspect", () => _db.HashGetAllAsync(Keys.Meta(batchId)));
        if (meta.Length == 0)
        {
            return null;
        }

        if (state is null)
        {
            state = await RunAsync("inspect", () => _db.SortedSetScoreAsync(Keys.Inflight(shard), batchId)) is not null ? BatchState.InFlight
                : await RunAsync("inspect", () => _db.SortedSetScoreAsync(Keys.Dead(shard), batchId)) is not null ? BatchState.Dead
                : BatchState.Ready;
        }

        var fields = meta.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        long size = await RunAsync("inspect", () => _db.ListLengthAsync(Keys.Sealed(batchId)));
        long opened = fields.TryGetValue("openedAt", out var o) ? ScriptValues.ParseLong(o) : 0;
        return new BatchSummary(batchId, state.Value, size, ScriptValues.FromMs(opened), fields);
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyMeta = new Dictionary<string, string>();
}
