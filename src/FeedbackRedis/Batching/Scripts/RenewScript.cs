using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>renew.lua's call and reply (the new lease expiry in ms, or null when the lease was lost).</summary>
internal static class RenewScript
{
    public static ScriptCall Build(KeySchema keys, BatchLease lease, RedisValue now, long leaseMs)
    {
        int shard = keys.ShardOf(KeySchema.MemberOf(lease.BatchId));
        return new(RedisScripts.Renew, keys.BatchKeys(lease.BatchId), [keys.ShardPrefix(shard), now, lease.BatchId, lease.Owner, lease.Fence, leaseMs]);
    }

    public static long? Parse(RedisResult result) => (long)result is var until and >= 0 ? until : null;
}
