using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>append.lua's KEYS and ARGV (built by <see cref="Builder"/>) and its reply (<see cref="Parse"/>).</summary>
internal static class AppendScript
{
    /// <summary>The settings part of every append call (ARGV[1 .. 9]).</summary>
    public sealed record Header(
        string Prefix, RedisValue Now, int BatchSize, long BatchTimeMs, long MaxOpen, long GlobalTrigger, string Lane, long MaxBytes, long GraceMs);

    /// <summary>The reply: counts, whether the call was refused, and each partition's offset as recorded before it (-1: none).</summary>
    public readonly record struct Reply(AppendResult Counts, bool Refused, long[] Recorded);

    /// <summary>
    /// One call being built: the ids of the singles' and the groups' events, in the order the script reads them
    /// (singles first), the groups' bodies, and each group's open list (its KEYS, in the same order).
    /// </summary>
    public sealed class Builder(KeySchema keys, int shard, int capacity)
    {
        private readonly List<RedisValue> _singleIds = new(capacity);
        private readonly List<RedisValue> _singles = new(2 * capacity);
        private readonly List<RedisKey> _singleKeys = new(capacity);
        private readonly List<RedisValue> _groupIds = new(capacity);
        private readonly List<RedisValue> _groups = new(capacity);
        private readonly List<RedisKey> _groupKeys = [];

        public int Events => _singleIds.Count + _groupIds.Count;

        public void Add(string member, List<AppendEvent> list, int from, int take)
        {
            if (take == 1)
            {
                _singleIds.Add(list[from].EventId);
                _singles.Add(member);
                _singles.Add(list[from].Item);
                _singleKeys.Add(keys.OpenBatch(member));
                return;
            }

            _groupKeys.Add(keys.OpenBatch(member));
            _groups.Add(member);
            _groups.Add(take);
            for (int i = from; i < from + take; i++)
            {
                _groupIds.Add(list[i].EventId);
                _groups.Add(list[i].Item);
            }
        }

        /// <summary>The call, recording <paramref name="positions"/> (empty for all but an append's last call per shard).</summary>
        public ScriptCall Build(Header header, IReadOnlyList<PartitionPosition> positions)
        {
            var args = new List<RedisValue>(13 + (3 * positions.Count) + Events + _singles.Count + _groups.Count)
            {
                header.Prefix, header.Now, header.BatchSize, header.BatchTimeMs, header.MaxOpen, header.GlobalTrigger, header.Lane,
                header.MaxBytes, header.GraceMs,
                Events, _singleKeys.Count + _groupKeys.Count, positions.Count,
            };
            foreach (var position in positions)
            {
                args.Add(position.Partition.Field);
                args.Add(position.Expected);
                args.Add(position.Taken);
            }

            args.AddRange(_singleIds);
            args.AddRange(_groupIds);
            args.Add(_singleIds.Count);
            args.AddRange(_singles);
            args.AddRange(_groups);
            return new ScriptCall(RedisScripts.Append, keys.ShardKeys(shard, [.. _singleKeys, .. _groupKeys]), [.. args]);
        }
    }

    public static Reply Parse(RedisResult result)
    {
        var fields = (RedisResult[])result!;
        var recorded = new long[fields.Length - 4];
        for (int q = 0; q < recorded.Length; q++)
        {
            recorded[q] = (long)fields[4 + q];
        }

        return new Reply(new AppendResult((int)fields[0], (int)fields[1], (int)fields[2]), (int)fields[3] == 1, recorded);
    }
}
