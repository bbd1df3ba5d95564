using System.Globalization;
using System.Text;
using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Items;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// What one shard holds in Redis, read in one pipelined round trip: the fixed keys, and the open lists, sealed lists
/// and meta hashes of every member and batch the model candidates name. Keys the model does not know are caught by
/// DBSIZE (the test's Redis holds nothing else).
/// </summary>
internal sealed class RedisShardState
{
    public required List<(string Member, long Score)> Deadlines { get; init; }

    public required HashSet<string> Guard { get; init; }

    public required long Seq { get; init; }

    public required List<(string Id, long Score)> Ready { get; init; }

    public required List<(string Id, long Score)> Inflight { get; init; }

    public required List<(string Id, long Score)> Dead { get; init; }

    public required long? OpenEvents { get; init; }

    public required long? Pending { get; init; }

    public required Dictionary<string, long> Offsets { get; init; }

    public required Dictionary<string, List<string>> OpenLists { get; init; }

    public required Dictionary<string, List<string>> SealedLists { get; init; }

    public required Dictionary<string, Dictionary<string, string>> Metas { get; init; }

    /// <summary>P:policy: member -> stored policy.</summary>
    public required Dictionary<string, string> Policy { get; init; }

    /// <summary>P:open-bytes: member -> counted bytes of its open batch.</summary>
    public required Dictionary<string, long> OpenBytes { get; init; }

    /// <summary>P:opened: member -> '&lt;openedAt&gt;:&lt;hardMax&gt;'.</summary>
    public required Dictionary<string, string> Opened { get; init; }
}

/// <summary>Reads Redis (<see cref="ReadAsync"/>), checks its invariants, and compares it with model candidates.</summary>
internal static class BatchStoreModelCheck
{
    public static async Task<(RedisShardState[] Shards, long DbSize)> ReadAsync(IDatabase db, KeySchema keys, IReadOnlyList<BatchStoreModel> candidates)
    {
        var batch = db.CreateBatch();
        var all = new List<Task>();
        var reads = new List<Func<RedisShardState>>();
        for (int shard = 0; shard < keys.ShardCount; shard++)
        {
            var members = candidates.SelectMany(c => c.Shards[shard].Open.Keys).ToHashSet(StringComparer.Ordinal);
            var batchIds = candidates.SelectMany(c => c.Shards[shard].Sealed.Keys).ToHashSet(StringComparer.Ordinal);
            var deadlines = batch.SortedSetRangeByRankWithScoresAsync(keys.Deadlines(shard));
            var guard = batch.SetMembersAsync(keys.Guard(shard));
            var seq = batch.StringGetAsync(keys.Sequence(shard));
            var ready = batch.SortedSetRangeByRankWithScoresAsync(keys.Ready(shard));
            var inflight = batch.SortedSetRangeByRankWithScoresAsync(keys.Inflight(shard));
            var dead = batch.SortedSetRangeByRankWithScoresAsync(keys.Dead(shard));
            var openEvents = batch.StringGetAsync(keys.OpenEvents(shard));
            var pending = batch.StringGetAsync(keys.Pending(shard));
            var offsets = batch.HashGetAllAsync(keys.Offsets(shard));
            var policy = batch.HashGetAllAsync(keys.Policy(shard));
            var openBytes = batch.HashGetAllAsync(keys.OpenBytes(shard));
            var opened = batch.HashGetAllAsync(keys.Opened(shard));
            var openLists = members.ToDictionary(m => m, m => batch.ListRangeAsync(keys.OpenBatch(m)), StringComparer.Ordinal);
            var sealedLists = batchIds.ToDictionary(b => b, b => batch.ListRangeAsync(keys.Sealed(b)), StringComparer.Ordinal);
            var metas = batchIds.ToDictionary(b => b, b => batch.HashGetAllAsync(keys.Meta(b)), StringComparer.Ordinal);
            all.AddRange([deadlines, guard, seq, ready, inflight, dead, openEvents, pending, offsets, policy, openBytes, opened, .. openLists.Values, .. sealedLists.Values, .. metas.Values]);
            reads.Add(() => new RedisShardState
            {
                Deadlines = [.. deadlines.Result.Select(e => ((string)e.Element!, (long)e.Score))],
                Guard = [.. guard.Result.Select(v => (string)v!)],
                Seq = Number(seq.Result) ?? 0,
                Ready = [.. ready.Result.Select(e => ((string)e.Element!, (long)e.Score))],
                Inflight = [.. inflight.Result.Select(e => ((string)e.Element!, (long)e.Score))],
                Dead = [.. dead.Result.Select(e => ((string)e.Element!, (long)e.Score))],
                OpenEvents = Number(openEvents.Result),
                Pending = Number(pending.Result),
                Offsets = offsets.Result.ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal),
                Policy = policy.Result.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal),
                OpenBytes = openBytes.Result.ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal),
                Opened = opened.Result.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal),
                OpenLists = openLists.ToDictionary(l => l.Key, l => l.Value.Result.Select(v => (string)v!).ToList(), StringComparer.Ordinal),
                SealedLists = sealedLists.ToDictionary(l => l.Key, l => l.Value.Result.Select(v => (string)v!).ToList(), StringComparer.Ordinal),
                Metas = metas.ToDictionary(
                    m => m.Key, m => m.Value.Result.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal), StringComparer.Ordinal),
            });
        }

        var dbSize = batch.ExecuteAsync("DBSIZE");
        all.Add(dbSize);
        batch.Execute();
        await Task.WhenAll(all);
        return ([.. reads.Select(read => read())], (long)await dbSize);
    }

    /// <summary>
    /// The engine's invariants, from what Redis holds alone (no model): every event held once; the guard exactly the ids
    /// held; the counters equal to a recount of the lists; each sealed batch in exactly one of ready, in flight and dead,
    /// with its meta; no batch over the batch size and byte limit that apply to its member (P:policy, else the global
    /// settings; for hybrid's combined batches the lane's), except the documented cases: a list already at or over a
    /// lowered size or byte limit (as <paramref name="previous"/>, the read before this step, held it) is sealed whole,
    /// an item over the byte limit is a batch of its own, and an agent's batch is never split by the global trigger;
    /// P:open-bytes and P:opened only for open batches, the counted bytes never above the items', no deadline past its
    /// hard maximum, and with grace on every open batch has its P:opened entry. The exceptions met are added to
    /// <paramref name="notes"/> (the test counts them, so a run shows it reached them).
    /// </summary>
    public static List<string> Invariants(RedisShardState[] shards, RedisShardState[]? previous, BatchingOptions options, ICollection<string> notes)
    {
        var problems = new List<string>();
        for (int shard = 0; shard < shards.Length; shard++)
        {
            var s = shards[shard];
            var before = previous?[shard];
            (long Size, long Bytes) LimitsOf(string member)
            {
                var p = s.Policy.TryGetValue(member, out var stored) ? BatchPolicy.Parse(stored) : null;
                return (p?.BatchSize ?? options.BatchSize, p?.MaxBytes ?? options.MaxBatchBytes);
            }

            List<string>? Before(string member) =>
                before is not null && before.OpenLists.TryGetValue(member, out var list) && list.Count > 0 ? list : null;
            string at = shards.Length == 1 ? "" : $"shard {shard}: ";
            var held = new Dictionary<string, string>(StringComparer.Ordinal);
            void Hold(string item, string where)
            {
                string id = ItemIds.Of(item);
                if (!held.TryAdd(id, where))
                {
                    problems.Add($"{at}event {id} is held twice: in {held[id]} and in {where}");
                }
            }

            var deadlineMembers = s.Deadlines.Select(d => d.Member).ToHashSet(StringComparer.Ordinal);
            long openEvents = 0;
            foreach (var (member, items) in s.OpenLists)
            {
                openEvents += items.Count;
                items.ForEach(item => Hold(item, $"open batch {member}"));
                var (size, limit) = LimitsOf(member);
                var was = Before(member);
                bool unchanged = was is not null && was.SequenceEqual(items, StringComparer.Ordinal);
                if (items.Count >= size && !unchanged)
                {
                    problems.Add($"{at}open batch {member} holds {items.Count} items, batch size {size}: it should have been sealed");
                }

                if (s.OpenBytes.TryGetValue(member, out long counted))
                {
                    long real = items.Sum(i => (long)Encoding.UTF8.GetByteCount(i));
                    if (counted > real)
                    {
                        problems.Add($"{at}P:open-bytes of {member} is {counted}; its items hold {real} bytes");
                    }

                    if (limit > 0 && counted >= limit && !unchanged)
                    {
                        problems.Add($"{at}open batch {member} counts {counted} bytes, byte limit {limit}: it should have been sealed");
                    }
                }

                var deadline = s.Deadlines.FirstOrDefault(d => d.Member == member);
                if (s.Opened.TryGetValue(member, out var opened) && deadline.Member is not null)
                {
                    var parts = opened.Split(':');
                    long openedAt = long.Parse(parts[0], CultureInfo.InvariantCulture), hard = long.Parse(parts[1], CultureInfo.InvariantCulture);
                    if (deadline.Score > hard || deadline.Score < openedAt)
                    {
                        problems.Add($"{at}open batch {member}: deadline {deadline.Score} outside its first item {openedAt} and hard maximum {hard}");
                    }
                }
                else if (options.BatchGrace > TimeSpan.Zero && items.Count > 0)
                {
                    problems.Add($"{at}open batch {member} has no P:opened entry although grace is on");
                }

                if (was is not null && items.Count > was.Count && items.Take(was.Count).SequenceEqual(was, StringComparer.Ordinal)
                    && before!.Deadlines.FirstOrDefault(d => d.Member == member).Score is var earlier && earlier != deadline.Score)
                {
                    notes.Add(ModelNotes.GraceMoved);
                }

                if (items.Count > 0 != deadlineMembers.Contains(member))
                {
                    problems.Add($"{at}open batch {member}: {items.Count} items, {(deadlineMembers.Contains(member) ? "" : "no ")}deadline");
                }
            }

            foreach (string member in s.OpenBytes.Keys.Concat(s.Opened.Keys).Where(m => !s.OpenLists.ContainsKey(m) || s.OpenLists[m].Count == 0).Distinct())
            {
                problems.Add($"{at}P:open-bytes or P:opened holds {member}, which has no open batch");
            }

            var ready = s.Ready.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var inflight = s.Inflight.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var dead = s.Dead.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            foreach (string id in ready.Intersect(inflight).Concat(ready.Intersect(dead)).Concat(inflight.Intersect(dead)))
            {
                problems.Add($"{at}batch {id} is in more than one of ready, in flight and dead");
            }

            long pending = openEvents;
            foreach (var (id, items) in s.SealedLists)
            {
                items.ForEach(item => Hold(item, $"sealed batch {id}"));
                var meta = s.Metas[id];
                bool indexed = ready.Contains(id) || inflight.Contains(id) || dead.Contains(id);
                if (indexed != meta.Count > 0 || (!indexed && items.Count > 0))
                {
                    problems.Add($"{at}sealed batch {id}: {items.Count} items, {meta.Count} meta fields, {(indexed ? "" : "not ")}in ready/in flight/dead");
                }

                if (before is not null && !before.SealedLists.ContainsKey(id) && meta.TryGetValue("member", out var owner))
                {
                    CheckSealed(id, owner, meta.GetValueOrDefault("trigger", ""), items, LimitsOf(owner), Before(owner), before.OpenBytes, problems, notes, at);
                }

                if (meta.TryGetValue("count", out var count) && count != items.Count.ToString(CultureInfo.InvariantCulture))
                {
                    problems.Add($"{at}sealed batch {id}: meta count {count}, list length {items.Count}");
                }

                if (!dead.Contains(id))
                {
                    pending += items.Count;
                }
            }

            if ((s.OpenEvents ?? 0) != openEvents)
            {
                problems.Add($"{at}P:open-events is {s.OpenEvents ?? 0}; the open lists hold {openEvents}");
            }

            if ((s.Pending ?? 0) != pending)
            {
                problems.Add($"{at}P:pending is {s.Pending ?? 0}; the open, ready and in-flight lists hold {pending}");
            }

            var guardOnly = s.Guard.Where(id => !held.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
            var unguarded = held.Keys.Where(id => !s.Guard.Contains(id)).Order(StringComparer.Ordinal).ToList();
            if (guardOnly.Count > 0)
            {
                problems.Add($"{at}P:guard holds ids of no held event (acked, or never appended): {string.Join(", ", guardOnly)}");
            }

            if (unguarded.Count > 0)
            {
                problems.Add($"{at}events held but not in P:guard: {string.Join(", ", unguarded)}");
            }
        }

        return problems;
    }

    /// <summary>A batch sealed in this step against the size and byte limit that apply to its member, with the documented exceptions.</summary>
    private static void CheckSealed(
        string id, string member, string trigger, List<string> items, (long Size, long Bytes) limits, List<string>? was,
        Dictionary<string, long> countedBefore, List<string> problems, ICollection<string> notes, string at)
    {
        if (trigger == "quarantine")
        {
            return; // items taken out of a batch checked when it was sealed
        }

        long bytes = items.Sum(i => (long)Encoding.UTF8.GetByteCount(i));
        bool overSize = items.Count > limits.Size;
        bool overBytes = limits.Bytes > 0 && bytes > limits.Bytes;
        if (!overSize && !overBytes)
        {
            return;
        }

        if (trigger == "global")
        {
            if (items.Select(AgentOf).Distinct(StringComparer.Ordinal).Count() == 1)
            {
                notes.Add(ModelNotes.SingleAgentCombined);
                return;
            }

            problems.Add($"{at}combined batch {id} holds {items.Count} items of {bytes} bytes; the lane's batch size {limits.Size}, byte limit {limits.Bytes}");
            return;
        }

        bool whole = was is not null && items.Count >= was.Count && items.Take(was.Count).SequenceEqual(was, StringComparer.Ordinal);
        if (overSize)
        {
            if (whole && was!.Count >= limits.Size)
            {
                notes.Add(ModelNotes.OverLoweredSize);
            }
            else
            {
                problems.Add($"{at}sealed batch {id} holds {items.Count} items, over the batch size {limits.Size} of {member}");
            }
        }

        if (overBytes)
        {
            long wasBytes = was?.Sum(i => (long)Encoding.UTF8.GetByteCount(i)) ?? 0;
            if (items.Count == 1)
            {
                notes.Add(ModelNotes.ItemOverBytes);
            }
            else if (whole && (wasBytes >= limits.Bytes || countedBefore.GetValueOrDefault(member, -1) != wasBytes))
            {
                notes.Add(ModelNotes.OverBytesWhole);
            }
            else
            {
                problems.Add($"{at}sealed batch {id} holds {bytes} bytes in {items.Count} items, over the byte limit {limits.Bytes} of {member}");
            }
        }
    }

    private static string AgentOf(string item)
    {
        using var doc = JsonDocument.Parse(item);
        return doc.RootElement.TryGetProperty("agentId", out var agent) ? agent.GetString() ?? "" : "";
    }

    /// <summary>Where Redis differs from <paramref name="model"/>; empty when it holds exactly what the model says.</summary>
    public static List<string> Differences(RedisShardState[] shards, long dbSize, BatchStoreModel model)
    {
        var diff = new List<string>();
        long keys = 0;
        for (int shard = 0; shard < shards.Length; shard++)
        {
            var s = shards[shard];
            var m = model.Shards[shard];
            string at = shards.Length == 1 ? "" : $"shard {shard}: ";
            void Same<T>(string what, T redis, T expected)
            {
                if (!EqualityComparer<T>.Default.Equals(redis, expected))
                {
                    diff.Add($"{at}{what}: Redis {Cut(redis?.ToString())}, model {Cut(expected?.ToString())}");
                }
            }

            Same("P:deadlines", Show(s.Deadlines), Show(m.DeadlineOrder().Select(x => (x, m.Open[x].Deadline))));
            Same("P:seq", s.Seq, m.Seq);
            Same("P:offsets", Show(s.Offsets.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => (o.Key, o.Value))),
                Show(m.Offsets.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => (o.Key, o.Value))));
            Same("P:guard", string.Join(",", s.Guard.Order(StringComparer.Ordinal)), string.Join(",", m.Events.Select(e => e.Id).Order(StringComparer.Ordinal)));
            Same("P:policy", string.Join(" ", s.Policy.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
                string.Join(" ", m.Policies.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.Format()}")));
            Same("P:open-bytes", string.Join(" ", s.OpenBytes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
                string.Join(" ", m.Open.Where(o => o.Value.Bytes is not null).OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value.Bytes}")));
            Same("P:opened", string.Join(" ", s.Opened.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
                string.Join(" ", m.Open.Where(o => o.Value.Opened is not null).OrderBy(o => o.Key, StringComparer.Ordinal)
                    .Select(o => $"{o.Key}={o.Value.Opened!.Value.OpenedAt}:{o.Value.Opened.Value.HardMax}")));
            Same("P:open-events", s.OpenEvents ?? 0, m.OpenEvents);
            Same("P:pending", s.Pending ?? 0, m.Pending);
            Same("P:ready", Show(s.Ready), Show(m.Ordered(ModelBatchState.Ready).Select(b => (b.Id, b.Score))));
            Same("P:inflight", Show(s.Inflight), Show(m.Ordered(ModelBatchState.InFlight).Select(b => (b.Id, b.Score))));
            Same("P:dead", Show(s.Dead), Show(m.Ordered(ModelBatchState.Dead).Select(b => (b.Id, b.Score))));
            foreach (var (member, open) in m.Open)
            {
                Same($"open batch {member}", Ids(s.OpenLists[member]), Ids(open.Items.Select(e => e.Item)));
                Same($"open batch {member} items", string.Join("\n", s.OpenLists[member]), string.Join("\n", open.Items.Select(e => e.Item)));
            }

            foreach (var (id, batch) in m.Sealed)
            {
                Same($"sealed batch {id}", Ids(s.SealedLists[id]), Ids(batch.Items.Select(e => e.Item)));
                Same($"sealed batch {id} items", string.Join("\n", s.SealedLists[id]), string.Join("\n", batch.Items.Select(e => e.Item)));
                var meta = s.Metas[id];
                // Fields a script has not written yet read as their zero value (no fence and no lease before the first claim).
                string Field(string name, string absent = "") => meta.GetValueOrDefault(name, absent);
                Same($"meta of {id}", MetaLine(Field("member"), Field("trigger"), Field("count"), Field("attempts"), Field("fence", "0"), Field("owner"),
                        Field("leaseUntil", "0"), Field("openedAt"), Field("sealedAt")),
                    MetaLine(batch.Member, batch.Trigger, Text(batch.Items.Count), Text(batch.Attempts), Text(batch.Fence),
                        batch.Owner, Text(batch.LeaseUntil), Text(batch.OpenedAt), Text(batch.SealedAt)));
            }

            keys += m.Open.Count + m.Sealed.Values.Count(b => b.Items.Count > 0) + m.Sealed.Count
                + (m.Open.Count > 0 ? 1 : 0) + (m.Events.Any() ? 1 : 0) + (m.Seq > 0 ? 1 : 0) + (m.Offsets.Count > 0 ? 1 : 0)
                + (m.Sealed.Values.Any(b => b.State == ModelBatchState.Ready) ? 1 : 0)
                + (m.Sealed.Values.Any(b => b.State == ModelBatchState.InFlight) ? 1 : 0)
                + (m.Sealed.Values.Any(b => b.State == ModelBatchState.Dead) ? 1 : 0)
                + (s.OpenEvents is null ? 0 : 1) + (s.Pending is null ? 0 : 1)
                + (m.Policies.Count > 0 ? 1 : 0) + (m.Open.Values.Any(o => o.Bytes is not null) ? 1 : 0) + (m.Open.Values.Any(o => o.Opened is not null) ? 1 : 0);
        }

        if (dbSize != keys)
        {
            diff.Add($"DBSIZE is {dbSize}; the model accounts for {keys} keys (a key the model does not know, or one it expects is gone)");
        }

        return diff;
    }

    private static long? Number(RedisValue value) =>
        value.IsNull ? null : long.Parse((string)value!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>Long values (thousands of offsets) cut for the failure message.</summary>
    private static string Cut(string? text) =>
        text is { Length: > 600 } whole ? $"{whole[..600]}... ({whole.Length:N0} characters)" : text ?? "null";

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(IEnumerable<(string Name, long Score)> entries) => "[" + string.Join(", ", entries.Select(e => $"{e.Name}@{e.Score}")) + "]";

    private static string Ids(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(ItemIds.Of)) + "]";

    private static string MetaLine(
        string member, string trigger, string count, string attempts, string fence, string owner, string leaseUntil, string openedAt, string sealedAt) =>
        $"member={member} trigger={trigger} count={count} attempts={attempts} fence={fence} owner={owner} leaseUntil={leaseUntil} openedAt={openedAt} sealedAt={sealedAt}";
}

/// <summary>The event id of a stored item, as the engine reads it.</summary>
internal static class ItemIds
{
    public static string Of(string item) => StoredItem.EventIdOf(item) ?? "<no eventId>";
}
