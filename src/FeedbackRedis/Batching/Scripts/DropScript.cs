using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>drop.lua's call and reply.</summary>
internal static class DropScript
{
    public static ScriptCall Build(KeySchema keys, string batchId, int itemCount, IReadOnlyList<string> eventIds)
    {
        int shard = keys.ShardOf(KeySchema.MemberOf(batchId));
        return new(RedisScripts.Drop, keys.BatchKeys(batchId), ScriptValues.ThenIds([keys.ShardPrefix(shard), batchId, itemCount], eventIds));
    }

    public static DropOutcome Parse(RedisResult result) => (long)result switch
    {
        -1 => DropOutcome.NotDead,
        -2 => DropOutcome.Changed,
        _ => DropOutcome.Dropped,
    };
}
