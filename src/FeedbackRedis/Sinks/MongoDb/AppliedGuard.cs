using System.Globalization;
using MongoDB.Bson;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The double-count guard kept in each agent document, and the filters that use it. Three fields:
/// <list type="bullet">
/// <item><c>appliedBatches</c>: the keys of the batches whose contribution to this agent was applied and not yet
/// compacted (the window). Pushed by the apply update itself, so "not yet applied" and "add the counts" are one atomic
/// write of one document.</item>
/// <item><c>appliedFloor</c>: the latest seal time (ms) of any key compacted out of the window. Every applied key sealed
/// at or before the floor is in the window or has an apply record (<see cref="AppliedContributions"/>).</item>
/// <item><c>appliedEpoch</c>: raised by every compaction, the only write that removes a key from the window.</item>
/// </list>
/// A batch sealed after the floor and absent from the window was never applied: the <em>fast</em> filter applies it
/// with no read first, at any delay. A batch sealed at or before the floor may be applied only by the <em>guarded</em>
/// filter: its record was read missing, after the epoch was read, and the epoch has not moved since. The argument, per
/// crash point, is in docs/FLUSHING.md.
/// </summary>
internal static class AppliedGuard
{
    public const string KeysField = "appliedBatches";
    public const string FloorField = "appliedFloor";
    public const string EpochField = "appliedEpoch";

    /// <summary>Read-back fields: the window's size and which of the asked keys it holds.</summary>
    public const string CountField = "appliedCount";
    public const string HitsField = "appliedHits";

    /// <summary>
    /// The filter of an apply (or of a completion on an owner's behalf) of batch <paramref name="guard"/> to
    /// <paramref name="agentId"/>. Fast: <c>{_id, appliedBatches: {$ne: key}, appliedFloor: {$not: {$gte: sealedAt}}}</c>.
    /// Guarded: the floor condition or <c>appliedEpoch</c> equal to the epoch read before the record was found missing.
    /// </summary>
    public static BsonDocument Filter(string agentId, ApplyGuard guard)
    {
        ArgumentNullException.ThrowIfNull(agentId);
        var afterFloor = new BsonDocument(FloorField, new BsonDocument("$not", new BsonDocument("$gte", guard.SealedAtMs)));
        var filter = new BsonDocument { { "_id", agentId }, { KeysField, new BsonDocument("$ne", guard.BatchKey) } };
        if (guard.Epoch is null)
        {
            filter.AddRange(afterFloor);
        }
        else
        {
            filter.Add("$or", new BsonArray { afterFloor, new BsonDocument(EpochField, guard.Epoch) });
        }

        return filter;
    }

    /// <summary>
    /// Projection of the read-back of agent documents: floor, epoch, the window's size, and the keys of
    /// <paramref name="keys"/> that the window holds (<c>$setIntersection</c> with a literal array, so that no key is
    /// ever read as a field path).
    /// </summary>
    public static BsonDocument StateProjection(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var window = new BsonDocument("$ifNull", new BsonArray { "$" + KeysField, new BsonArray() });
        return new BsonDocument
        {
            { FloorField, 1 },
            { EpochField, 1 },
            { CountField, new BsonDocument("$size", window) },
            { HitsField, new BsonDocument("$setIntersection", new BsonArray { window, new BsonDocument("$literal", new BsonArray(keys.Distinct(StringComparer.Ordinal))) }) },
        };
    }

    /// <summary>An agent document as read with <see cref="StateProjection"/>.</summary>
    public static AgentGuardState State(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        long? floor = document.TryGetValue(FloorField, out var f) && f.IsNumeric ? f.ToInt64() : null;
        BsonValue epoch = document.TryGetValue(EpochField, out var e) && !e.IsBsonNull ? e : BsonNull.Value;
        int count = document.TryGetValue(CountField, out var c) && c.IsNumeric ? c.ToInt32() : 0;
        var hits = document.TryGetValue(HitsField, out var h) && h.IsBsonArray
            ? h.AsBsonArray.Where(v => v.IsString).Select(v => v.AsString).ToHashSet(StringComparer.Ordinal)
            : [];
        return new AgentGuardState(document["_id"].AsString, floor, epoch, count, hits);
    }

    /// <summary>
    /// What to do next for the contribution of batch <paramref name="batchKey"/> to an agent, given the agent's latest
    /// read-back (<paramref name="state"/>; null when the document was not found) and whether its apply record was read
    /// (<paramref name="recordPresent"/>: null when not read since that read-back).
    /// </summary>
    public static PairStatus Decide(string batchKey, AgentGuardState? state, bool? recordPresent) =>
        state is not null && state.Hits.Contains(batchKey) ? PairStatus.Applied
        : recordPresent is true ? PairStatus.Applied
        : recordPresent is null ? PairStatus.CheckRecord
        : PairStatus.ApplyGuarded;

    /// <summary>The seal time (ms) a batch key ends with (<c>batchId@ms</c>), or null when it has none.</summary>
    public static long? SealedAtMsOf(string batchKey)
    {
        ArgumentNullException.ThrowIfNull(batchKey);
        int at = batchKey.LastIndexOf('@');
        return at >= 0 && long.TryParse(batchKey.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long ms) ? ms : null;
    }
}

/// <summary>
/// Which filter an apply uses (<see cref="AppliedGuard.Filter"/>): fast when <paramref name="Epoch"/> is null, else guarded
/// by that epoch (<see cref="BsonNull"/> for a document that has none yet).
/// </summary>
internal readonly record struct ApplyGuard(string BatchKey, long SealedAtMs, BsonValue? Epoch)
{
    public static ApplyGuard Fast(string batchKey, long sealedAtMs) => new(batchKey, sealedAtMs, null);

    public static ApplyGuard Guarded(string batchKey, long sealedAtMs, BsonValue epoch) => new(batchKey, sealedAtMs, epoch ?? BsonNull.Value);
}

/// <summary>One agent document's guard as read back (<see cref="AppliedGuard.State"/>).</summary>
/// <param name="Floor">The floor, or null when nothing was ever compacted.</param>
/// <param name="Epoch">The epoch, or <see cref="BsonNull"/> when none yet.</param>
/// <param name="Keys">Keys in the window.</param>
/// <param name="Hits">The asked keys the window holds.</param>
internal sealed record AgentGuardState(string AgentId, long? Floor, BsonValue Epoch, int Keys, IReadOnlySet<string> Hits);

/// <summary>Where one (batch, agent) contribution stands in a group write.</summary>
internal enum PairStatus
{
    /// <summary>Not read back yet (sent with the fast filter, or a completion not yet looked at).</summary>
    Sent,

    /// <summary>Applied, by this write or an earlier one: its key is in the window, or its apply record exists.</summary>
    Applied,

    /// <summary>Not in the window: its apply record must be read.</summary>
    CheckRecord,

    /// <summary>Neither in the window nor recorded: apply it with the guarded filter.</summary>
    ApplyGuarded,

    /// <summary>A completion given up for this write (its owner's events could not be read or counted); tried again later.</summary>
    Abandoned,
}
