using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>replay.lua's call and reply (true when replayed, false when no dead batch has the id).</summary>
internal static class ReplayScript
{
    public static ScriptCall Build(KeySchema keys, string batchId, RedisValue now)
    {
        int shard = keys.ShardOf(KeySchema.MemberOf(batchId));
        return new(RedisScripts.Replay, keys.BatchKeys(batchId), [keys.ShardPrefix(shard), now, batchId]);
    }

    public static bool Parse(RedisResult result) => (long)result == 1;
}
