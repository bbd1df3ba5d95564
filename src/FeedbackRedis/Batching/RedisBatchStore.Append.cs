using FeedbackRedis.Items;
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
    /// it reaches the batch size. An event whose id is in the duplicate guard (appended before and not yet acked) is skipped. Per agent,
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

    /// <summary>
    /// Keeps the first of events repeating an id within one shard's groups (the guard is per shard, so an id names one
    /// event whatever its agent); returns how many were dropped.
    /// </summary>
    private static int DropRepeatedIds(Dictionary<string, List<BatchEvent>> groups)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int dropped = 0;
        foreach (var list in groups.Values)
        {
            dropped += list.RemoveAll(e => !seen.Add(e.EventId));
        }

        return dropped;
    }

    private string MemberFor(BatchEvent e) => _options.Mode == BatchingMode.Global
        ? AgentIds.Lane((int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(e.EventId)) % (uint)_options.GlobalShards))
        : e.AgentId;

    /// <summary>
    /// The argument lists of append.lua for one shard: at most <see cref="MaxEventsPerCall"/> events each, laid out as
    /// the script's header says (the ids of the call first, then each group's member, count and items).
    /// </summary>
    private IEnumerable<RedisValue[]> AppendCalls(int shard, RedisValue now, Dictionary<string, List<BatchEvent>> groups)
    {
        var call = new AppendCall();
        foreach (var (member, list) in groups)
        {
            int from = 0;
            while (from < list.Count)
            {
                int take = Math.Min(list.Count - from, MaxEventsPerCall - call.Events);
                call.Add(member, list, from, take);
                from += take;
                if (call.Events == MaxEventsPerCall)
                {
                    yield return call.ToArgs(AppendHeader(shard, now));
                    call = new AppendCall();
                }
            }
        }

        if (call.Events > 0)
        {
            yield return call.ToArgs(AppendHeader(shard, now));
        }
    }

    private RedisValue[] AppendHeader(int shard, RedisValue now)
    {
        int shards = Keys.ShardCount;
        long maxOpen = (_options.MaxOpenBatches + shards - 1) / shards;
        long globalTrigger = _options.Mode == BatchingMode.Hybrid ? _options.GlobalBatchSize : 0;
        return [Keys.ShardPrefix(shard), now, _options.BatchSize, BatchTimeMs, maxOpen, globalTrigger, Keys.ShardLane(shard)];
    }

    /// <summary>
    /// One append.lua call being built: the ids of the singles' and the groups' events, in the order the script reads
    /// them (singles first), and the groups' bodies.
    /// </summary>
    private sealed class AppendCall
    {
        private readonly List<RedisValue> _singleIds = new(MaxEventsPerCall);
        private readonly List<RedisValue> _singles = new(2 * MaxEventsPerCall);
        private readonly List<RedisValue> _groupIds = new(MaxEventsPerCall);
        private readonly List<RedisValue> _groups = new(MaxEventsPerCall);
        private int _groupCount;

        public int Events => _singleIds.Count + _groupIds.Count;

        public void Add(string member, List<BatchEvent> list, int from, int take)
        {
            if (take == 1)
            {
                _singleIds.Add(list[from].EventId);
                _singles.Add(member);
                _singles.Add(list[from].Item);
                return;
            }

            _groupCount++;
            _groups.Add(member);
            _groups.Add(take);
            for (int i = from; i < from + take; i++)
            {
                _groupIds.Add(list[i].EventId);
                _groups.Add(list[i].Item);
            }
        }

        public RedisValue[] ToArgs(RedisValue[] header)
        {
            var args = new List<RedisValue>(header.Length + 3 + Events + _singles.Count + _groups.Count);
            args.AddRange(header);
            args.Add(Events);
            args.Add(_singleIds.Count + _groupCount);
            args.AddRange(_singleIds);
            args.AddRange(_groupIds);
            args.Add(_singleIds.Count);
            args.AddRange(_singles);
            args.AddRange(_groups);
            return [.. args];
        }
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
