using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>seal_member.lua's call and reply (the new batch id, or null when the member had no open batch).</summary>
internal static class SealMemberScript
{
    public static ScriptCall Build(KeySchema keys, string member, RedisValue now, long batchTimeMs)
    {
        int shard = keys.ShardOf(member);
        return new(RedisScripts.SealMember, keys.ShardKeys(shard, keys.OpenBatch(member)), [keys.ShardPrefix(shard), now, batchTimeMs, member]);
    }

    public static string? Parse(RedisResult result) => result.IsNull ? null : (string?)result;
}
