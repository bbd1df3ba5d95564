using System.Globalization;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>recount.lua's call and reply (one shard's <see cref="RecountResult"/>).</summary>
internal static class RecountScript
{
    /// <param name="keys">The key schema.</param>
    /// <param name="shard">The shard to recount.</param>
    /// <param name="now">The clock argument (an orphan's deadline).</param>
    /// <param name="apply">False for a dry run.</param>
    /// <param name="maxItems">The bound on items and guard ids; null for none.</param>
    /// <param name="listed">The most entries of each list in the reply.</param>
    /// <param name="orphans">Open lists of this shard found without a deadline entry.</param>
    /// <param name="maxBytes">The global byte limit (0 = off): where <c>P:open-bytes</c> must hold an open list's bytes.</param>
    public static ScriptCall Build(
        KeySchema keys, int shard, RedisValue now, bool apply, long? maxItems, int listed, IReadOnlyList<RedisKey> orphans, long maxBytes) =>
        new(RedisScripts.Recount, keys.ShardKeys(shard, [.. orphans]),
            [keys.ShardPrefix(shard), now, apply ? 1 : 0, maxItems ?? 0, listed, maxBytes]);

    public static RecountResult Parse(RedisResult result, int shard, string prefix, bool apply, long? maxItems, long orphansNotChecked)
    {
        var f = (RedisResult[])result!;
        long items = (long)f[1];
        long guardIds = (long)f[2];
        if ((long)f[0] == 1)
        {
            string refusal = $"holds {items:N0} items and {guardIds:N0} guard ids; the bound is {maxItems:N0} "
                + "(a recount reads them all in one script, blocking Redis meanwhile)";
            return new RecountResult(
                shard, prefix, false, refusal, items, new CounterDrift(null, 0), new CounterDrift(null, 0),
                new GuardDrift(guardIds, 0, 0, 0, [], []), 0, [], [], orphansNotChecked, 0, 0, SideStateDrift.None, SideStateDrift.None);
        }

        long added = (long)f[7];
        long removed = (long)f[8];
        var unreadable = (RedisResult[])f[14]!;
        var where = new List<UnreadableItem>(unreadable.Length / 2);
        for (int i = 0; i + 1 < unreadable.Length; i += 2)
        {
            where.Add(new UnreadableItem((string)unreadable[i]!, (long)unreadable[i + 1]));
        }

        return new RecountResult(
            shard,
            prefix,
            apply,
            null,
            items,
            new CounterDrift(Stored((string?)f[3]), (long)f[5]),
            new CounterDrift(Stored((string?)f[4]), (long)f[6]),
            new GuardDrift(guardIds, guardIds + added - removed, added, removed, Strings(f[12]), Strings(f[13])),
            (long)f[9],
            where,
            Strings(f[15]),
            orphansNotChecked,
            (long)f[10],
            (long)f[11],
            new SideStateDrift((long)f[16], (long)f[17], Strings(f[19]), Strings(f[20])),
            new SideStateDrift(0, (long)f[18], [], Strings(f[21])));
    }

    /// <summary>A counter as stored: absent is 0 (as the scripts read it); anything but an integer is null.</summary>
    private static long? Stored(string? raw) =>
        string.IsNullOrEmpty(raw) ? 0
        : long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value
        : null;

    private static string[] Strings(RedisResult list) => Array.ConvertAll((RedisResult[])list!, v => (string)v!);
}
