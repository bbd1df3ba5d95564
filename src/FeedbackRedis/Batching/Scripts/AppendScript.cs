using System.Diagnostics;
using System.Runtime.InteropServices;
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
    /// <remarks>
    /// <paramref name="singles"/> and <paramref name="grouped"/>: how many events the call is expected to carry as singles
    /// and in groups, to size its lists (they grow past a wrong guess; only the allocation depends on it).
    /// </remarks>
    public sealed class Builder(KeySchema keys, int shard, int singles, int grouped)
    {
        private readonly List<RedisValue> _singleIds = new(singles);
        private readonly List<RedisValue> _singles = new(2 * singles);
        private readonly List<RedisKey> _singleKeys = new(singles);
        private readonly List<RedisValue> _groupIds = new(grouped);
        private readonly List<RedisValue> _groups = new(grouped);
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
            // Written straight into the array the call carries (no list to grow and copy: a call carries up to ~1,500 values).
            var args = new RedisValue[13 + (3 * positions.Count) + Events + _singles.Count + _groups.Count];
            int n = 0;
            args[n++] = header.Prefix;
            args[n++] = header.Now;
            args[n++] = header.BatchSize;
            args[n++] = header.BatchTimeMs;
            args[n++] = header.MaxOpen;
            args[n++] = header.GlobalTrigger;
            args[n++] = header.Lane;
            args[n++] = header.MaxBytes;
            args[n++] = header.GraceMs;
            args[n++] = Events;
            args[n++] = _singleKeys.Count + _groupKeys.Count;
            args[n++] = positions.Count;
            foreach (var position in positions)
            {
                args[n++] = position.Partition.Field;
                args[n++] = position.Expected;
                args[n++] = position.Taken;
            }

            n = Append(args, n, _singleIds);
            n = Append(args, n, _groupIds);
            args[n++] = _singleIds.Count;
            n = Append(args, n, _singles);
            n = Append(args, n, _groups);
            Debug.Assert(n == args.Length, "every ARGV slot written");
            return new ScriptCall(RedisScripts.Append, keys.ShardKeys(shard, [.. _singleKeys, .. _groupKeys]), args);
        }

        private static int Append(RedisValue[] into, int at, List<RedisValue> values)
        {
            CollectionsMarshal.AsSpan(values).CopyTo(into.AsSpan(at));
            return at + values.Count;
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
