using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>release.lua's call and reply.</summary>
internal static class ReleaseScript
{
    public static ScriptCall Build(
        KeySchema keys, BatchLease lease, RedisValue now, ReleaseMode mode, string reason, TimeSpan retryDelay, int maxAttempts)
    {
        int shard = keys.ShardOf(KeySchema.MemberOf(lease.BatchId));
        string modeArg = mode switch
        {
            ReleaseMode.Retry => "retry",
            ReleaseMode.Dead => "dead",
            ReleaseMode.Return => "return",
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown release mode"),
        };
        return new(RedisScripts.Release, keys.BatchKeys(lease.BatchId),
        [
            keys.ShardPrefix(shard), now, lease.BatchId, lease.Owner, lease.Fence, modeArg, reason,
            (long)Math.Max(0, retryDelay.TotalMilliseconds), maxAttempts,
        ]);
    }

    public static ReleaseOutcome Parse(RedisResult result) => Enum.Parse<ReleaseOutcome>((string)result!, ignoreCase: true);
}
