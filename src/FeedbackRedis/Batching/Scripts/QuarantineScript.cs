using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>quarantine.lua's call and reply (the new dead batch's id; null when the lease was lost).</summary>
internal static class QuarantineScript
{
    public static ScriptCall Build(KeySchema keys, BatchLease lease, RedisValue now, string reason, IReadOnlyList<int> positions)
    {
        int shard = keys.ShardOf(KeySchema.MemberOf(lease.BatchId));
        var args = new List<RedisValue>(6 + positions.Count) { keys.ShardPrefix(shard), now, lease.BatchId, lease.Owner, lease.Fence, reason };
        args.AddRange(positions.Select(p => (RedisValue)p));
        return new(RedisScripts.Quarantine, keys.BatchKeys(lease.BatchId), [.. args]);
    }

    public static string? Parse(RedisResult result) => result.Resp2Type == ResultType.Integer ? null : (string)result!;
}
