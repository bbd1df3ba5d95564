namespace FeedbackRedis.Batching;

/// <summary>
/// What a recount found in one shard (recount.lua): each counter as stored and as recounted from the lists, the guard's
/// difference, and what it could not count. With <see cref="Applied"/> the recounted values are now stored.
/// </summary>
/// <param name="Shard">The shard (0 in the standalone layout).</param>
/// <param name="Prefix">Its key prefix.</param>
/// <param name="Applied">True when the recount was written; false for a dry run or a refusal.</param>
/// <param name="Refusal">Why the shard was not recounted (more items than the bound), or null.</param>
/// <param name="Items">Items in the shard's open, ready, in-flight and dead batches (orphans included).</param>
/// <param name="Pending"><c>P:pending</c>: events in open, ready and in-flight batches.</param>
/// <param name="OpenEvents"><c>P:open-events</c>: events in open batches.</param>
/// <param name="Guard"><c>P:guard</c>: the ids of every item, dead batches' included.</param>
/// <param name="UnreadableItems">Items with no readable event id: counted, reported, left as they are.</param>
/// <param name="UnreadableSample">Where some of them are (at most <see cref="RedisBatchStore.RecountListed"/>).</param>
/// <param name="Orphans">Members whose open list had no deadline entry: registered (due now) when applied.</param>
/// <param name="OrphansNotChecked">Orphan candidates beyond the most one call checks; a second recount takes them.</param>
/// <param name="RepeatedIds">Items whose event id an earlier item already has (a duplicate the sink absorbs).</param>
/// <param name="EmptyOpen">Deadline entries whose list is empty (harmless: the due scan drops them).</param>
/// <param name="OpenBytes">
/// <c>P:open-bytes</c>: entries rewritten to their open list's item bytes (missing where a byte limit applies, or not the
/// sum) and entries removed (no open list).
/// </param>
/// <param name="Opened"><c>P:opened</c>: entries removed because their member has no open list.</param>
public sealed record RecountResult(
    int Shard,
    string Prefix,
    bool Applied,
    string? Refusal,
    long Items,
    CounterDrift Pending,
    CounterDrift OpenEvents,
    GuardDrift Guard,
    long UnreadableItems,
    IReadOnlyList<UnreadableItem> UnreadableSample,
    IReadOnlyList<string> Orphans,
    long OrphansNotChecked,
    long RepeatedIds,
    long EmptyOpen,
    SideStateDrift OpenBytes,
    SideStateDrift Opened)
{
    /// <summary>True when a counter, the guard, the deadline set, P:open-bytes or P:opened did not match the lists.</summary>
    public bool HasDrift => Pending.Drifted || OpenEvents.Drifted || Guard.Drifted || Orphans.Count > 0 || OpenBytes.Drifted || Opened.Drifted;
}

/// <summary>
/// A per-member hash of open batches' side state (<c>P:open-bytes</c>, <c>P:opened</c>): members whose entry is rewritten
/// from the open list, and members whose entry is removed because they have no open list, with some of each.
/// </summary>
public sealed record SideStateDrift(long Rewritten, long Removed, IReadOnlyList<string> RewrittenSample, IReadOnlyList<string> RemovedSample)
{
    public static SideStateDrift None { get; } = new(0, 0, [], []);

    public bool Drifted => Rewritten > 0 || Removed > 0;
}

/// <summary>One counter: as stored (null when it does not hold an integer) and as recounted.</summary>
public sealed record CounterDrift(long? Recorded, long Recounted)
{
    /// <summary>Recounted minus recorded; null when the stored value was not an integer.</summary>
    public long? Drift => Recounted - Recorded;

    public bool Drifted => Recorded != Recounted;
}

/// <summary>
/// The duplicate guard: its size as stored and as recounted, the ids missing from it (<see cref="Added"/>) and those
/// with no item (<see cref="Removed"/>), with some of each.
/// </summary>
public sealed record GuardDrift(long Recorded, long Recounted, long Added, long Removed, IReadOnlyList<string> AddedSample, IReadOnlyList<string> RemovedSample)
{
    public bool Drifted => Added > 0 || Removed > 0;
}

/// <summary>An item whose event id could not be read: <c>redis-cli LINDEX &lt;Key&gt; &lt;Index&gt;</c>.</summary>
public sealed record UnreadableItem(string Key, long Index);
