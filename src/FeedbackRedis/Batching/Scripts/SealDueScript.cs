using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>seal_due.lua's call; its reply is the number of batches sealed.</summary>
internal static class SealDueScript
{
    public static ScriptCall Build(KeySchema keys, int shard, RedisValue now, long batchTimeMs, int limit) =>
        new(RedisScripts.SealDue, keys.ShardKeys(shard), [keys.ShardPrefix(shard), now, batchTimeMs, limit]);

    public static int Parse(RedisResult result) => (int)result;
}
