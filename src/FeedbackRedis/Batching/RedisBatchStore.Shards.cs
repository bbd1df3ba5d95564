namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    /// <summary>
    /// Runs <paramref name="call"/> for every shard at once and returns the results in shard order: the multiplexer
    /// pipelines the calls, and in the cluster layout each goes to its own node, so a visit costs one round trip, not one
    /// per shard. The periodic visits use it (seal-due, reclaim, the gauges' counts, the replica wait). Operator
    /// commands that walk the shards (recount, listings, policies) go one shard at a time on purpose: a heavy script
    /// then holds one node at a time, and a listing stops at the first shard that fails.
    /// </summary>
    /// <exception cref="BatchStoreUnavailableException">A shard could not be served (the first such failure).</exception>
    private Task<T[]> ForEachShardAsync<T>(Func<int, Task<T>> call) =>
        Task.WhenAll(Enumerable.Range(0, Keys.ShardCount).Select(call));
}
