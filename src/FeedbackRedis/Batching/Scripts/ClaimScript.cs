using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>claim.lua's call and reply (the batches claimed; the reclaimed count is not returned).</summary>
internal static class ClaimScript
{
    public static ScriptCall Build(KeySchema keys, int shard, RedisValue now, string owner, long leaseMs, int maxBatches, int maxEvents, int maxAttempts) =>
        new(RedisScripts.Claim, keys.ShardKeys(shard), [keys.ShardPrefix(shard), now, owner, leaseMs, maxBatches, maxEvents, maxAttempts]);

    public static IReadOnlyList<ClaimedBatch> Parse(RedisResult result, string owner)
    {
        var fields = (RedisResult[])result!;
        var claimed = new List<ClaimedBatch>(fields.Length - 1);
        for (int b = 1; b < fields.Length; b++)
        {
            claimed.Add(ParseBatch((RedisResult[])fields[b]!, owner));
        }

        return claimed;
    }

    private static ClaimedBatch ParseBatch(RedisResult[] fields, string owner)
    {
        var items = (RedisValue[])fields[8]!;
        return new ClaimedBatch(
            new BatchLease((string)fields[0]!, owner, (long)fields[2]),
            (int)fields[1],
            (string)fields[3]!,
            Enum.Parse<BatchTrigger>((string)fields[4]!, ignoreCase: true),
            ScriptValues.FromMs(ScriptValues.ParseLong((RedisValue)fields[5])),
            ScriptValues.FromMs(ScriptValues.ParseLong((RedisValue)fields[6])),
            ScriptValues.FromMs((long)fields[7]),
            Array.ConvertAll(items, v => (string)v!));
    }
}
