using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>reclaim.lua's call; its reply is the number of expired leases handled.</summary>
internal static class ReclaimScript
{
    public static ScriptCall Build(KeySchema keys, int shard, RedisValue now, int maxAttempts, int limit) =>
        new(RedisScripts.Reclaim, keys.ShardKeys(shard), [keys.ShardPrefix(shard), now, maxAttempts, limit]);

    public static int Parse(RedisResult result) => (int)result;
}
