using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The durable per-(batch, agent) apply records (<see cref="MongoSinkOptions.ContributionsCollection"/>), and the
/// compaction that writes them. A record <c>{_id: "&lt;batchKey&gt;|&lt;agentId&gt;"}</c> says that batch's contribution
/// to that agent was applied. Records are written only from keys read (majority) in the agent's window, so a record
/// never claims an apply that did not happen; a key leaves the window only after its record is written, in the same
/// update that raises the floor and the epoch (<see cref="AppliedGuard"/>). Records expire with a TTL on
/// <c>sealedAt</c> (<see cref="MongoRetention"/>).
/// </summary>
internal static class AppliedContributions
{
    /// <summary>The record id of batch <paramref name="batchKey"/>'s contribution to <paramref name="agentId"/>.</summary>
    /// <remarks>Agent ids never hold <c>|</c> (<see cref="Items.AgentIds"/>), so the id is unambiguous.</remarks>
    public static string RecordId(string batchKey, string agentId) => $"{batchKey}|{agentId}";

    /// <summary><c>{_id: {$in: ids}}</c>.</summary>
    public static BsonDocument ByIdFilter(IEnumerable<string> ids) => MongoWriteModels.EventsByIdFilter(ids);

    /// <summary>
    /// Writes the record of a compacted key once: <c>{_id}</c>, <c>$setOnInsert</c> of <c>batchKey</c>, <c>batchId</c>,
    /// <c>agentId</c>, <c>sealedAt</c> (the TTL field) and <c>recordedAt</c>, upsert.
    /// </summary>
    public static UpdateOneModel<BsonDocument> Record(string batchKey, string agentId, DateTime now)
    {
        long ms = AppliedGuard.SealedAtMsOf(batchKey) ?? throw new ArgumentException($"batch key '{batchKey}' has no seal time", nameof(batchKey));
        var fields = new BsonDocument
        {
            { "batchKey", batchKey },
            { "batchId", batchKey[..batchKey.LastIndexOf('@')] },
            { "agentId", agentId },
            { "sealedAt", DateTime.UnixEpoch.AddMilliseconds(ms) },
            { "recordedAt", now },
        };
        return new UpdateOneModel<BsonDocument>(new BsonDocument("_id", RecordId(batchKey, agentId)), new BsonDocument("$setOnInsert", fields)) { IsUpsert = true };
    }

    /// <summary>Projection of the compaction read: the window only.</summary>
    public static BsonDocument WindowProjection() => new(AppliedGuard.KeysField, 1);

    /// <summary>
    /// What to compact from an agent whose window holds more than <paramref name="kept"/> keys: the oldest by seal time
    /// (ties by key), leaving the newest <c>kept / 2</c>; the new floor is the latest seal time among them. Null when the
    /// window is within <paramref name="kept"/>. A key without a seal time is never compacted (it stays guarded by the
    /// window).
    /// </summary>
    public static CompactionPlan? Plan(string agentId, IEnumerable<string> window, int kept)
    {
        ArgumentNullException.ThrowIfNull(window);
        var keys = window.Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count <= kept)
        {
            return null;
        }

        var dated = keys
            .Select(k => (Key: k, Ms: AppliedGuard.SealedAtMsOf(k)))
            .Where(k => k.Ms is not null)
            .OrderBy(k => k.Ms)
            .ThenBy(k => k.Key, StringComparer.Ordinal)
            .ToList();
        int evict = Math.Min(dated.Count, keys.Count - (kept / 2));
        if (evict <= 0)
        {
            return null;
        }

        var evicted = dated.Take(evict).ToList();
        return new CompactionPlan(agentId, [.. evicted.Select(k => k.Key)], evicted.Max(k => k.Ms!.Value));
    }

    /// <summary>
    /// The compaction of <paramref name="plan"/>, sent only after every record of it is written:
    /// <c>{$pull: {appliedBatches: {$in: evicted}}, $max: {appliedFloor: floor}, $inc: {appliedEpoch: 1}}</c>, one atomic
    /// update, no upsert. Sent twice (two compactors), it changes nothing more than once, except the epoch, which only
    /// makes guarded writers read again.
    /// </summary>
    public static UpdateOneModel<BsonDocument> Compact(CompactionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var update = new BsonDocument
        {
            { "$pull", new BsonDocument(AppliedGuard.KeysField, new BsonDocument("$in", new BsonArray(plan.Evicted))) },
            { "$max", new BsonDocument(AppliedGuard.FloorField, plan.Floor) },
            { "$inc", new BsonDocument(AppliedGuard.EpochField, 1L) },
        };
        return new UpdateOneModel<BsonDocument>(new BsonDocument("_id", plan.AgentId), update) { IsUpsert = false };
    }
}

/// <summary>Keys to move from one agent's window to apply records, and the floor that goes with them.</summary>
internal sealed record CompactionPlan(string AgentId, IReadOnlyList<string> Evicted, long Floor);
