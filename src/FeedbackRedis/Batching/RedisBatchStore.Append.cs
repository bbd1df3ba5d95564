using FeedbackRedis.Items;
using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    /// <summary>The most events one append script carries; larger appends are split into pipelined calls.</summary>
    internal const int MaxEventsPerCall = 512;

    // Global mode's lane names, built on first use (a race builds equal arrays; either is kept).
    private string[]? _laneNames;

    /// <summary>Appends events that record no Kafka offsets (tools, tests); see the overload with positions.</summary>
    public Task<AppendResult> AppendAsync(IReadOnlyList<AppendEvent> events, CancellationToken cancellationToken = default) =>
        AppendAsync(events, [], cancellationToken);

    /// <summary>
    /// Appends events to their open batches: many events and many agents in as few script calls as possible (one per
    /// shard per <see cref="MaxEventsPerCall"/> events, pipelined). Each batch is sealed in the same script the moment
    /// it reaches the batch size. An event whose id is in the duplicate guard (appended before and not yet acked) is
    /// skipped. Per agent, items keep the order of <paramref name="events"/>.
    /// <para>
    /// <paramref name="positions"/> are recorded in the same atomic step as the events, on every shard (an append whose
    /// events miss a shard still records there), by the last call per shard, sent once the others succeeded: what
    /// Redis holds is then always a consistent prefix of each partition (<see cref="ReadOffsetsAsync"/>). A shard whose
    /// recorded offset is behind a position's <see cref="PartitionPosition.Expected"/> refuses its last call whole
    /// (<see cref="AppendResult.Behind"/>): Redis lost acknowledged writes, and the caller rewinds.
    /// </para>
    /// </summary>
    /// <exception cref="InvalidBatchEventException">An event is invalid; nothing of this append was sent.</exception>
    /// <exception cref="BatchStoreUnavailableException">Redis could not take it; retry (duplicates are skipped).</exception>
    public async Task<AppendResult> AppendAsync(
        IReadOnlyList<AppendEvent> events, IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(positions);
        cancellationToken.ThrowIfCancellationRequested();
        Validate(events);
        if (events.Count == 0 && positions.Count == 0)
        {
            return AppendResult.None;
        }

        var byShard = new Dictionary<string, List<AppendEvent>>[Keys.ShardCount];
        // Sized for every event in one shard's own member (the standalone layout's case): no rehashing while grouping.
        int groupCapacity = Math.Max(4, events.Count / Keys.ShardCount);
        foreach (var e in events)
        {
            string member = MemberFor(e);
            var groups = byShard[Keys.ShardOf(member)] ??= new Dictionary<string, List<AppendEvent>>(groupCapacity, StringComparer.Ordinal);
            if (!groups.TryGetValue(member, out var list))
            {
                groups[member] = list = [];
            }

            list.Add(e);
        }

        // Every call but each shard's last is sent first; the last ones, which record the offsets, only once those
        // succeeded, so an offset is never recorded for events a failed call did not take.
        var result = AppendResult.None;
        var first = new List<Task<RedisResult>>();
        var last = new ScriptCall[byShard.Length];
        RedisValue now = NowArg();
        for (int shard = 0; shard < byShard.Length; shard++)
        {
            var groups = byShard[shard] ?? [];
            result = result.Plus(new AppendResult(0, DropRepeatedIds(groups), 0));
            var calls = AppendCalls(shard, now, groups, positions);
            if (calls.Count == 0)
            {
                continue;
            }

            for (int c = 0; c < calls.Count - 1; c++)
            {
                first.Add(EvalAsync(calls[c]));
            }

            last[shard] = calls[^1];
        }

        foreach (var reply in await Task.WhenAll(first))
        {
            result = result.Plus(AppendScript.Parse(reply).Counts);
        }

        var replies = await Task.WhenAll(last.Where(c => c.Args is not null).Select(EvalAsync));
        var behind = new Dictionary<KafkaPartition, long?>();
        foreach (var raw in replies)
        {
            var reply = AppendScript.Parse(raw);
            result = result.Plus(reply.Counts);
            if (reply.Refused)
            {
                for (int q = 0; q < positions.Count; q++)
                {
                    if (positions[q].Expected >= 0 && reply.Recorded[q] < positions[q].Expected)
                    {
                        behind[positions[q].Partition] = null;
                    }
                }
            }
        }

        if (behind.Count > 0)
        {
            return result with { Behind = await ReadOffsetsAsync(behind.Keys, cancellationToken) };
        }

        await WaitForReplicasAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The offset Redis has recorded for each of <paramref name="partitions"/>: the lowest over the shards (each shard
    /// records every append's positions, so the lowest is the last append every shard took in whole); null when a
    /// shard holds none (a new partition, or a Redis that lost its offsets).
    /// </summary>
    public async Task<IReadOnlyDictionary<KafkaPartition, long?>> ReadOffsetsAsync(
        IEnumerable<KafkaPartition> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        cancellationToken.ThrowIfCancellationRequested();
        var list = partitions.Distinct().ToList();
        var offsets = list.ToDictionary(p => p, _ => (long?)long.MaxValue);
        if (list.Count == 0)
        {
            return offsets;
        }

        RedisValue[] fields = [.. list.Select(p => (RedisValue)p.Field)];
        var reads = await RunAsync("offsets", () => ForEachShardAsync(shard => _db.HashGetAsync(Keys.Offsets(shard), fields)));
        foreach (var values in reads)
        {
            for (int i = 0; i < list.Count; i++)
            {
                offsets[list[i]] = values[i].IsNull || offsets[list[i]] is not { } low ? null : Math.Min(low, (long)values[i]);
            }
        }

        return offsets;
    }

    /// <summary>
    /// With <see cref="BatchingOptions.WaitReplicas"/> set: waits until that many replicas of every primary have the
    /// writes so far (Redis WAIT), so that an append is only acknowledged once a failover cannot lose it.
    /// </summary>
    /// <exception cref="BatchStoreUnavailableException">Fewer replicas acknowledged in time.</exception>
    private async Task WaitForReplicasAsync(CancellationToken cancellationToken)
    {
        if (_options.WaitReplicas == 0)
        {
            return;
        }

        long timeoutMs = (long)_options.WaitTimeout.TotalMilliseconds;
        cancellationToken.ThrowIfCancellationRequested();
        // One WAIT per primary that holds a shard, all at once: WAIT covers every write the connection sent before it.
        var primaries = Enumerable.Range(0, Keys.ShardCount).Select(shard => _redis.GetServer(Keys.Deadlines(shard)))
            .DistinctBy(server => server.EndPoint.ToString(), StringComparer.Ordinal)
            .ToList();
        var acks = await RunAsync("wait", () => Task.WhenAll(primaries.Select(server => server.ExecuteAsync("WAIT", _options.WaitReplicas, timeoutMs))));
        for (int i = 0; i < primaries.Count; i++)
        {
            long acked = (long)acks[i];
            if (acked < _options.WaitReplicas)
            {
                throw new BatchStoreUnavailableException(
                    $"only {acked} of the {_options.WaitReplicas} replicas FEEDBACK_REDIS_WAIT_REPLICAS asks for acknowledged the append to {primaries[i].EndPoint} within {timeoutMs} ms");
            }
        }
    }

    /// <summary>
    /// Keeps the first of events repeating an id within one shard's groups (the guard is per shard, so an id names one
    /// event whatever its agent); returns how many were dropped.
    /// </summary>
    private static int DropRepeatedIds(Dictionary<string, List<AppendEvent>> groups)
    {
        int count = 0;
        foreach (var list in groups.Values)
        {
            count += list.Count;
        }

        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        int dropped = 0;
        foreach (var list in groups.Values)
        {
            dropped += list.RemoveAll(e => !seen.Add(e.EventId));
        }

        return dropped;
    }

    private string MemberFor(AppendEvent e) => _options.Mode == BatchingMode.Global ? LaneName(LaneOf(e.EventId)) : e.AgentId;

    /// <summary>The lane's member name, made once per lane (not once per event).</summary>
    private string LaneName(int lane) => (_laneNames ??= [.. Enumerable.Range(0, _options.GlobalLanes).Select(AgentIds.Lane)])[lane];

    /// <summary>The global lane of an event: xxHash32 of its id's UTF-8 bytes, modulo the lanes (encoded on the stack: no array per event).</summary>
    private int LaneOf(string eventId)
    {
        int max = Encoding.UTF8.GetMaxByteCount(eventId.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        int written = Encoding.UTF8.GetBytes(eventId, utf8);
        return (int)(XxHash32.HashToUInt32(utf8[..written]) % (uint)_options.GlobalLanes);
    }

    /// <summary>
    /// The append.lua calls for one shard: at most <see cref="MaxEventsPerCall"/> events each, the last one recording
    /// <paramref name="positions"/>; one call that only records them when the shard gets no events. None when there is
    /// nothing to send.
    /// </summary>
    private List<ScriptCall> AppendCalls(int shard, RedisValue now, Dictionary<string, List<AppendEvent>> groups, IReadOnlyList<PartitionPosition> positions)
    {
        var header = AppendHeader(shard, now);
        var calls = new List<ScriptCall>();
        int singles = 0, grouped = 0;
        foreach (var list in groups.Values)
        {
            if (list.Count == 1)
            {
                singles++;
            }
            else
            {
                grouped += list.Count;
            }
        }

        // Each call's lists sized for the shard's mix of singles and groups, at most one call's worth.
        AppendScript.Builder NewCall() =>
            new(Keys, shard, Math.Min(singles, MaxEventsPerCall), Math.Min(grouped, MaxEventsPerCall));
        var call = NewCall();
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
                    calls.Add(call.Build(header, []));
                    call = NewCall();
                }
            }
        }

        if (call.Events > 0 || positions.Count > 0)
        {
            calls.Add(call.Build(header, positions));
        }

        return calls;
    }

    private AppendScript.Header AppendHeader(int shard, RedisValue now)
    {
        int shards = Keys.ShardCount;
        long maxOpen = (_options.MaxOpenBatches + shards - 1) / shards;
        long globalTrigger = _options.Mode == BatchingMode.Hybrid ? _options.GlobalTrigger : 0;
        return new(
            Keys.ShardPrefix(shard), now, _options.BatchSize, BatchTimeMs, maxOpen, globalTrigger, Keys.ShardLane(shard),
            _options.MaxBatchBytes, (long)_options.BatchGrace.TotalMilliseconds);
    }

    private void Validate(IReadOnlyList<AppendEvent> events)
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

            if (e.Item is null || e.Item.Length == 0)
            {
                throw new InvalidBatchEventException(InvalidEventReason.EmptyItem, i, "the item is empty");
            }

            if (e.Item.Length > _options.MaxItemBytes)
            {
                throw new InvalidBatchEventException(
                    InvalidEventReason.ItemTooLarge,
                    i,
                    $"the item is {e.Item.Length:N0} bytes; FEEDBACK_MAX_ITEM_BYTES allows {_options.MaxItemBytes:N0}");
            }
        }
    }
}
