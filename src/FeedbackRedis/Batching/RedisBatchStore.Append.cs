using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    /// <summary>The most events one append script carries; larger appends are split into pipelined calls.</summary>
    internal const int MaxEventsPerCall = 512;

    /// <summary>
    /// Appends events to their open batches: many events and many agents in as few script calls as possible (one per
    /// shard per <see cref="MaxEventsPerCall"/> events, pipelined). Each batch is sealed in the same script the moment
    /// it reaches the batch size. An event whose id is already in the open batch it would join is skipped. Per agent,
    /// items keep the order of <paramref name="events"/>.
    /// </summary>
    /// <exception cref="InvalidBatchEventException">An event is invalid; nothing of this append was sent.</exception>
    /// <exception cref="BatchStoreUnavailableException">Redis could not take it; retry (duplicates are skipped).</exception>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<BatchEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        cancellationToken.ThrowIfCancellationRequested();
        Validate(events);
        if (events.Count == 0)
        {
            return AppendResult.None;
        }

        var byShard = new Dictionary<string, List<BatchEvent>>[Keys.ShardCount];
        int repeats = 0;
        foreach (var e in events)
        {
            string member = MemberFor(e);
            var groups = byShard[Keys.ShardOf(member)] ??= new Dictionary<string, List<BatchEvent>>(StringComparer.Ordinal);
            if (!groups.TryGetValue(member, out var list))
            {
                groups[member] = list = [];
            }

            list.Add(e);
        }

        var calls = new List<Task<RedisResult>>();
        RedisValue now = NowArg();
        for (int shard = 0; shard < byShard.Length; shard++)
        {
            if (byShard[shard] is { } groups)
            {
                repeats += DropRepeatedIds(groups);
                foreach (var args in AppendCalls(shard, now, groups))
                {
                    calls.Add(EvalAsync(RedisScripts.Append, Keys.Deadlines(shard), args));
                }
            }
        }

        var result = new AppendResult(0, repeats, 0);
        foreach (var call in calls)
        {
            var counts = (RedisResult[])(await call)!;
            result = result.Plus(new AppendResult((int)counts[0], (int)counts[1], (int)counts[2]));
        }

        return result;
    }

    /// <summary>Keeps the first of events repeating an id within one member's group; returns how many were dropped.</summary>
    private static int DropRepeatedIds(Dictionary<string, List<BatchEvent>> groups)
    {
        int dropped = 0;
        HashSet<string>? seen = null;
        foreach (var list in groups.Values)
        {
            if (list.Count < 2)
            {
                continue;
            }

            seen ??= new HashSet<string>(StringComparer.Ordinal);
            seen.Clear();
            dropped += list.RemoveAll(e => !seen.Add(e.EventId));
        }

        return dropped;
    }

    private string MemberFor(BatchEvent e) => _options.Mode == BatchingMode.Global
        ? AgentIds.Lane((int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(e.EventId)) % (uint)_options.GlobalShards))
        : e.AgentId;

    private IEnumerable<RedisValue[]> AppendCalls(int shard, RedisValue now, Dictionary<string, List<BatchEvent>> groups)
    {
        var args = NewAppendArgs(shard, now);
        int events = 0;
        int groupCount = 0;
        foreach (var (member, list) in groups)
        {
            int from = 0;
            while (from < list.Count)
            {
                int take = Math.Min(list.Count - from, MaxEventsPerCall - events);
                args.Add(member);
                args.Add(take);
                for (int i = from; i < from + take; i++)
                {
                    args.Add(list[i].EventId);
                    args.Add(RedisValue.EmptyString);
                }

                for (int i = from; i < from + take; i++)
                {
                    args.Add(list[i].Item);
                }

                groupCount++;
                events += take;
                from += take;
                if (events == MaxEventsPerCall)
                {
                    yield return Finish(args, groupCount);
                    args = NewAppendArgs(shard, now);
                    events = 0;
                    groupCount = 0;
                }
            }
        }

        if (events > 0)
        {
            yield return Finish(args, groupCount);
        }

        static RedisValue[] Finish(List<RedisValue> args, int groupCount)
        {
            args[6] = groupCount;
            return [.. args];
        }
    }

    private List<RedisValue> NewAppendArgs(int shard, RedisValue now)
    {
        int shards = Keys.ShardCount;
        long maxOpen = (_options.MaxOpenBatches + shards - 1) / shards;
        long globalTrigger = _options.Mode == BatchingMode.Hybrid ? _options.GlobalBatchSize : 0;
        return new List<RedisValue>(7 + (3 * MaxEventsPerCall))
        {
            Keys.ShardPrefix(shard), now, _options.BatchSize, BatchTimeMs, maxOpen, globalTrigger, 0,
        };
    }

    private void Validate(IReadOnlyList<BatchEvent> events)
    {
        for (int i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new InvalidBatchEventException(InvalidEventReason.EmptyItem, i, "the event is null");
            if (AgentIds.Explain(e.AgentId) is { } agentProblem)
            {
                throw new InvalidBatchEventException(InvalidEventReason.InvalidAgentId, i, agentProblem);
            }

            if (EventIds.Explain(e.EventId) is { } idProblem)
            {
                throw new InvalidBatchEventException(InvalidEventReason.InvalidEventId, i, idProblem);
            }

            if (string.IsNullOrEmpty(e.Item))
            {
                throw new InvalidBatchEventException(InvalidEventReason.EmptyItem, i, "the item is empty");
            }

            if (e.Item.Length * 3 > _options.MaxItemBytes && Encoding.UTF8.GetByteCount(e.Item) is var bytes && bytes > _options.MaxItemBytes)
            {
                throw new InvalidBatchEventException(
                    InvalidEventReason.ItemTooLarge,
                    i,
                    $"the item is {bytes:N0} bytes; FEEDBACK_MAX_ITEM_BYTES allows {_options.MaxItemBytes:N0}");
            }
        }
    }
}
