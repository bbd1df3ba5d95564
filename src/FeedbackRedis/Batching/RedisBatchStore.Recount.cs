using StackExchange.Redis;

namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    /// <summary>
    /// The default bound of <see cref="RecountAsync"/>: a shard holding more items (or guard ids) is refused. A recount at
    /// the bound blocks Redis for 0.7 to 1.5 s on the loaded 2-core development machine (docs/ARCHITECTURE.md, Recount).
    /// </summary>
    public const long DefaultRecountLimit = 100_000;

    /// <summary>The most ids, and unreadable items, each <see cref="RecountResult"/> lists (the counts are exact).</summary>
    public const int RecountListed = 100;

    /// <summary>The most orphan candidates (open lists without a deadline entry) one shard's recount checks.</summary>
    internal const int MaxOrphanCandidates = 1_000;

    /// <summary>
    /// Recounts each shard's <c>pending</c>, <c>open-events</c> and duplicate guard from its batch lists, in one atomic
    /// script per shard (recount.lua), and reports the drift; rebuilds <c>open-bytes</c> (each open list's item bytes,
    /// where a byte limit applies or an entry exists) and drops <c>open-bytes</c> and <c>opened</c> entries of members
    /// without an open list. Open lists without a deadline entry (orphans) are found
    /// first with SCAN on the shard's node (incremental, never blocking; one pass over that node's keyspace per shard)
    /// and, when applying, registered in the deadline set, due now.
    /// </summary>
    /// <param name="apply">True to store the recount; false for a dry run, which writes nothing.</param>
    /// <param name="maxItems">
    /// Refuse a shard holding more items, or more guard ids, than this (null: no bound). The script reads every item
    /// and every guard id while Redis is blocked.
    /// </param>
    /// <param name="cancellationToken">Checked between shards.</param>
    /// <returns>One result per shard; a refused shard's says why and changes nothing.</returns>
    /// <exception cref="BatchStoreUnavailableException">Redis could not serve a shard (shards before it are done).</exception>
    public async Task<IReadOnlyList<RecountResult>> RecountAsync(
        bool apply, long? maxItems = DefaultRecountLimit, CancellationToken cancellationToken = default)
    {
        if (maxItems is { } bound)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        }

        var results = new List<RecountResult>(Keys.ShardCount);
        for (int shard = 0; shard < Keys.ShardCount; shard++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (orphans, notChecked) = await FindOrphanCandidatesAsync(shard);
            var call = RecountScript.Build(Keys, shard, NowArg(), apply, maxItems, RecountListed, orphans, Options.MaxBatchBytes);
            results.Add(RecountScript.Parse(await EvalAsync(call), shard, Keys.ShardPrefix(shard), apply, maxItems, notChecked));
        }

        return results;
    }

    /// <summary>
    /// The shard's open lists that have no deadline entry now (the script checks again, atomically), at most
    /// <see cref="MaxOrphanCandidates"/>, and how many more there were.
    /// </summary>
    private Task<(List<RedisKey> Orphans, long NotChecked)> FindOrphanCandidatesAsync(int shard) =>
        RunAsync("recount-scan", async () =>
        {
            // Open list names come from KeySchema: the shard's lane's open list, less the lane, is the shard's
            // open-list prefix (prefixes and members hold no glob characters, so it needs no escaping).
            string lane = Keys.ShardLane(shard);
            string openPrefix = ((string)Keys.OpenBatch(lane)!)[..^lane.Length];
            IServer server;
            try
            {
                server = _redis.GetServer(Keys.Deadlines(shard));
            }
            catch (InvalidOperationException ex)
            {
                // No connected server owns the shard's slot (a connection lost, found by the model-based test): a retry, as a
                // script refused for the same reason is.
                throw new BatchStoreUnavailableException($"Redis could not serve the batch store: no connection to the node of shard {shard}", ex);
            }

            var members = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var key in server.KeysAsync(_db.Database, openPrefix + "*", pageSize: 1000))
            {
                members.Add(((string)key!)[openPrefix.Length..]);
            }

            var orphans = new List<RedisKey>();
            long notChecked = 0;
            foreach (var chunk in members.Chunk(1000))
            {
                var scores = await _db.SortedSetScoresAsync(Keys.Deadlines(shard), [.. chunk.Select(m => (RedisValue)m)]);
                for (int i = 0; i < chunk.Length; i++)
                {
                    if (scores[i] is not null)
                    {
                        continue;
                    }

                    if (orphans.Count < MaxOrphanCandidates)
                    {
                        orphans.Add(openPrefix + chunk[i]); // the key as found, even if its member hashes elsewhere
                    }
                    else
                    {
                        notChecked++;
                    }
                }
            }

            return (orphans, notChecked);
        });
}
