using FeedbackRedis.Items;
using MongoDB.Bson;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Completion of an owner that is gone: an event counts for the batch that wrote it first (its owner), so events of an
/// owner batch that never applied its contribution (dropped by an operator, lost with Redis, dead and never replayed)
/// would stay uncounted for ever. A later batch carrying one of them applies the owner's whole share for that agent on
/// the owner's behalf, under the owner's batch key, through the same guard as any apply (<see cref="AppliedGuard"/>):
/// whoever applies the (owner, agent) contribution first counts it, and every other attempt, the owner's own included,
/// matches nothing. The event documents keep naming their owner; no compare-and-set on them is needed (the argument,
/// and why a change of owner would be weaker, is in docs/FLUSHING.md).
/// </summary>
internal static class OwnerCompletion
{
    /// <summary>Most (owner, agent) completions one group write attempts; the rest wait for a later carrier.</summary>
    public const int MaxPerWrite = 100;

    /// <summary>
    /// The (owner, agent) shares a group may complete: for each kept event of <paramref name="pending"/> whose document
    /// names another batch as first writer, that batch and the document's agent, when the owner is not in the group
    /// (<paramref name="groupKeys"/>: it is alive and applies itself) and was sealed long enough ago
    /// (<see cref="MongoRetention.MayComplete"/>). Distinct, in the order met, at most <see cref="MaxPerWrite"/>.
    /// Whether each was already applied is for the read-back and the records to say.
    /// </summary>
    public static IReadOnlyList<OwnerShare> Candidates(
        IEnumerable<(FeedbackBatch Batch, IEnumerable<ClaimedEvent> Kept)> pending,
        IReadOnlyDictionary<string, BsonDocument> firstWriters,
        IReadOnlySet<string> groupKeys,
        DateTime now,
        MongoSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(firstWriters);
        ArgumentNullException.ThrowIfNull(groupKeys);
        ArgumentNullException.ThrowIfNull(options);
        var seen = new HashSet<(string, string)>();
        var candidates = new List<OwnerShare>();
        foreach (var (batch, kept) in pending)
        {
            foreach (var e in kept)
            {
                if (!firstWriters.TryGetValue(e.EventId, out var doc)
                    || MongoWriteModels.FirstWriterOf(doc) is not { } owner
                    || groupKeys.Contains(owner.Key)
                    || !doc.TryGetValue("agentId", out var agent) || !agent.IsString
                    || !MongoRetention.MayComplete(owner.SealedAt, now, options)
                    || !seen.Add((owner.Key, agent.AsString)))
                {
                    continue;
                }

                candidates.Add(new OwnerShare(owner.Key, owner.BatchId, owner.SealedAt, agent.AsString, batch));
                if (candidates.Count == MaxPerWrite)
                {
                    return candidates;
                }
            }
        }

        return candidates;
    }

    /// <summary>
    /// The events of the owners' shares: <c>{$or: [{batchId, batchSealedAt, agentId}, ...]}</c>, each branch served by
    /// the <c>batchId_1</c> index.
    /// </summary>
    public static BsonDocument EventsFilter(IEnumerable<OwnerShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        return new BsonDocument("$or", new BsonArray(shares.Select(s => new BsonDocument
        {
            { "batchId", s.OwnerBatchId },
            { "batchSealedAt", s.OwnerSealedAt },
            { "agentId", s.AgentId },
        })));
    }

    /// <summary>Projection of <see cref="EventsFilter"/>: what counting and grouping need.</summary>
    public static BsonDocument EventsProjection() => new()
    {
        { "batchId", 1 }, { "batchSealedAt", 1 }, { "agentId", 1 }, { "type", 1 }, { "reaction", 1 }, { "occurredAt", 1 }, { "receivedAt", 1 },
    };

    /// <summary>
    /// Each share's contribution, counted from its owner's event documents exactly as the owner counts its own events
    /// (<see cref="MongoWriteModels.Contributions(IEnumerable{ClaimedEvent}, IReadOnlySet{string})"/>); a share with no
    /// countable document is left out.
    /// </summary>
    public static IReadOnlyDictionary<OwnerShare, AgentContribution> Shares(IEnumerable<OwnerShare> shares, IEnumerable<BsonDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(documents);
        var byKey = shares.ToDictionary(s => (s.OwnerKey, s.AgentId));
        var events = new Dictionary<OwnerShare, List<ClaimedEvent>>();
        foreach (var doc in documents)
        {
            if (MongoWriteModels.FirstWriterOf(doc) is { } owner
                && MongoWriteModels.EventOfDocument(doc) is { } e
                && byKey.TryGetValue((owner.Key, e.AgentId), out var share))
            {
                (events.TryGetValue(share, out var list) ? list : events[share] = []).Add(e);
            }
        }

        var result = new Dictionary<OwnerShare, AgentContribution>();
        foreach (var (share, list) in events)
        {
            var ids = list.Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
            if (MongoWriteModels.Contributions(list, ids) is [var contribution])
            {
                result[share] = contribution;
            }
        }

        return result;
    }
}

/// <summary>One owner batch's share for one agent, which <paramref name="Carrier"/> (a batch of the group) may complete.</summary>
/// <param name="OwnerKey">The owner's batch key.</param>
/// <param name="OwnerBatchId">The owner's batch id.</param>
/// <param name="OwnerSealedAt">The owner's seal time (UTC, ms).</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Carrier">The batch of the group that carries one of its events (named in logs).</param>
internal sealed record OwnerShare(string OwnerKey, string OwnerBatchId, DateTime OwnerSealedAt, string AgentId, FeedbackBatch Carrier)
{
    public long OwnerSealedAtMs => new DateTimeOffset(OwnerSealedAt, TimeSpan.Zero).ToUnixTimeMilliseconds();
}
