using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>ack.lua's call and reply (true when deleted; false when the lease was lost or the batch is not the one written).</summary>
internal static class AckScript
{
    public static ScriptCall Build(KeySchema keys, BatchLease lease, int itemCount, IReadOnlyList<string> eventIds)
    {
        int shard = keys.ShardOf(KeySchema.MemberOf(lease.BatchId));
        return new(RedisScripts.Ack, keys.BatchKeys(lease.BatchId),
            ScriptValues.ThenIds([keys.ShardPrefix(shard), lease.BatchId, lease.Owner, lease.Fence, itemCount], eventIds));
    }

    public static bool Parse(RedisResult result) => (long)result >= 0;
}
