using FeedbackRedis.Items;
using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The write models the MongoDB sink sends, built as plain <see cref="BsonDocument"/>s so that tests can assert
/// exactly what the driver will send. The exactly-once argument they implement is in docs/SINKS.md
/// and, for the apply guard, records and completions, docs/FLUSHING.md.
/// </summary>
internal static class MongoWriteModels
{
    /// <summary>Longest reaction name kept as a field name; longer ones are cut.</summary>
    public const int MaxReactionLength = 64;

    /// <summary>
    /// A batch's identity across Redis data loss: its id plus its seal time. Batch ids come from a Redis counter, which
    /// a Redis that lost writes could hand out again; the seal time tells the two batches apart.
    /// </summary>
    /// <remarks>The <c>feedback.batch.flushed</c> announcement carries it as <c>batchKey</c> (field and header).</remarks>
    public static string BatchKey(FeedbackBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return BatchKey(batch.BatchId, SealedAtMs(batch));
    }

    /// <summary>The batch key of batch <paramref name="batchId"/> sealed at <paramref name="sealedAtMs"/> (Unix ms).</summary>
    public static string BatchKey(string batchId, long sealedAtMs) =>
        $"{batchId}@{sealedAtMs.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The batch's seal time in Unix milliseconds, as its key and the guard's floor use it.</summary>
    public static long SealedAtMs(FeedbackBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Claim.SealedAt.ToUnixTimeMilliseconds();
    }

    /// <summary>
    /// The key of the batch that wrote <paramref name="document"/> (an event read back with
    /// <see cref="FirstWriterProjection"/>) first, with its seal time; null when the document does not say.
    /// </summary>
    public static (string BatchId, DateTime SealedAt, string Key)? FirstWriterOf(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.TryGetValue("batchId", out var id) && id.IsString
            && document.TryGetValue("batchSealedAt", out var sealedAt) && sealedAt.IsValidDateTime)
        {
            var at = sealedAt.ToUniversalTime();
            return (id.AsString, at, BatchKey(id.AsString, new DateTimeOffset(at).ToUnixTimeMilliseconds()));
        }

        return null;
    }

    /// <summary>
    /// The event's document, without <c>_id</c>: every field of the item (event id as <c>_id</c> instead of
    /// <c>eventId</c>), times as BSON dates, and the batch that writes it first (<c>batchId</c>, <c>batchSealedAt</c>).
    /// </summary>
    public static BsonDocument EventFields(ClaimedEvent e, FeedbackBatch batch, DateTime writtenAt)
    {
        var fields = JsonToBson.Document(e.Item);
        fields.Remove("_id");
        fields.Remove("eventId");
        fields.Set("agentId", e.AgentId);
        fields.Set("type", e.Type == FeedbackType.Reply ? "reply" : "reaction");
        if (e.Reaction is not null)
        {
            fields.Set("reaction", e.Reaction);
        }

        SetDate(fields, "occurredAt", e.OccurredAt);
        SetDate(fields, "receivedAt", e.ReceivedAt);
        fields.Set("batchId", batch.BatchId);
        fields.Set("batchSealedAt", batch.Claim.SealedAt.UtcDateTime);
        fields.Set("writtenAt", writtenAt);
        return fields;
    }

    /// <summary>
    /// Inserts the event once: <c>{_id: eventId}</c>, <c>$setOnInsert</c> of every field, upsert. When the document is
    /// there already (a replay, a re-flush, or the event redelivered in another batch) nothing changes, and
    /// <c>batchId</c> keeps naming the batch that wrote it first.
    /// </summary>
    public static UpdateOneModel<BsonDocument> EventUpsert(ClaimedEvent e, FeedbackBatch batch, DateTime writtenAt) =>
        new(new BsonDocument("_id", e.EventId), new BsonDocument("$setOnInsert", EventFields(e, batch, writtenAt))) { IsUpsert = true };

    /// <summary>The events a group wrote, read back with the batch that wrote each first.</summary>
    public static BsonDocument EventsByIdFilter(IEnumerable<string> eventIds) =>
        new("_id", new BsonDocument("$in", new BsonArray(eventIds)));

    /// <summary>Projection of <see cref="EventsByIdFilter"/>: the first writer, and the agent it counts for.</summary>
    /// <summary>
    /// The events of <paramref name="kept"/> whose stored document (from <see cref="FirstWriterProjection"/>, by id)
    /// names another agent: an id two producers both used. The first stored stays; the later one is neither stored nor
    /// counted, and is reported.
    /// </summary>
    public static IReadOnlyList<(ClaimedEvent Event, string StoredAgentId)> IdConflicts(IEnumerable<ClaimedEvent> kept, IReadOnlyDictionary<string, BsonDocument> stored)
    {
        ArgumentNullException.ThrowIfNull(kept);
        ArgumentNullException.ThrowIfNull(stored);
        return
        [
            .. kept
                .Select(e => (Event: e, Doc: stored.GetValueOrDefault(e.EventId)))
                .Where(x => x.Doc is not null && x.Doc.TryGetValue("agentId", out var agent) && agent.IsString && !string.Equals(agent.AsString, x.Event.AgentId, StringComparison.Ordinal))
                .Select(x => (x.Event, x.Doc!["agentId"].AsString)),
        ];
    }

    public static BsonDocument FirstWriterProjection() => new() { { "batchId", 1 }, { "batchSealedAt", 1 }, { "agentId", 1 } };

    /// <summary>True when <paramref name="document"/> (an event read back) was first written by <paramref name="batch"/>.</summary>
    public static bool WrittenFirstBy(BsonDocument document, FeedbackBatch batch) =>
        document.TryGetValue("batchId", out var id) && id.IsString && id.AsString == batch.BatchId
        && document.TryGetValue("batchSealedAt", out var sealedAt) && sealedAt.IsValidDateTime
        && sealedAt.ToUniversalTime() == batch.Claim.SealedAt.UtcDateTime;

    /// <summary>
    /// Per agent, the events of <paramref name="batch"/> that it wrote first (<paramref name="ownedEventIds"/>); agents
    /// with none are left out. Each event id counts once even if the batch held it twice.
    /// </summary>
    public static IReadOnlyList<AgentContribution> Contributions(FeedbackBatch batch, IReadOnlySet<string> ownedEventIds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Contributions(batch.Events, ownedEventIds);
    }

    /// <summary>
    /// As <see cref="Contributions(FeedbackBatch, IReadOnlySet{string})"/>, over <paramref name="events"/> only: the
    /// sink passes a batch's events without the items it refused, so a refused item is never counted.
    /// </summary>
    public static IReadOnlyList<AgentContribution> Contributions(IEnumerable<ClaimedEvent> events, IReadOnlySet<string> ownedEventIds)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(ownedEventIds);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var byAgent = new Dictionary<string, (long Events, long Replies, Dictionary<string, long> Reactions, DateTimeOffset? Last)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!ownedEventIds.Contains(e.EventId) || !seen.Add(e.EventId))
            {
                continue;
            }

            var c = byAgent.TryGetValue(e.AgentId, out var existing) ? existing : (0, 0, new Dictionary<string, long>(StringComparer.Ordinal), null);
            c.Events++;
            if (e.Type == FeedbackType.Reply)
            {
                c.Replies++;
            }
            else
            {
                string field = ReactionField(e.Reaction);
                c.Reactions[field] = c.Reactions.GetValueOrDefault(field) + 1;
            }

            if (e.At is { } at && (c.Last is null || at > c.Last))
            {
                c.Last = at;
            }

            byAgent[e.AgentId] = c;
        }

        return [.. byAgent.Select(a => new AgentContribution(a.Key, a.Value.Events, a.Value.Replies, a.Value.Reactions, a.Value.Last))];
    }

    /// <summary>
    /// Makes sure the agent's document exists: <c>{_id: agentId}</c>, <c>$setOnInsert</c>, upsert. An equality match on
    /// <c>_id</c> alone, so two flushers creating it at once cannot both insert (the server retries the loser).
    /// </summary>
    public static UpdateOneModel<BsonDocument> EnsureAgent(string agentId, DateTime now) =>
        new(new BsonDocument("_id", agentId), new BsonDocument("$setOnInsert", new BsonDocument("createdAt", now))) { IsUpsert = true };

    /// <summary>
    /// Adds one batch's contribution to one agent, at most once: the filter (<see cref="AppliedGuard.Filter"/>) matches
    /// only while the agent's window <c>appliedBatches</c> lacks the batch key (and the floor or the epoch allows it),
    /// and the same update appends the key. Filter and update touch one document, so the check and the increment are
    /// atomic; when it was applied before, nothing matches and nothing changes. Not an upsert
    /// (<see cref="EnsureAgent"/> runs first). Whether it matched is read back (<see cref="AppliedGuard.StateProjection"/>).
    /// </summary>
    /// <remarks>
    /// The update is a one-stage aggregation pipeline (<c>[{$set: ...}]</c>), so that the reaction counters can be capped
    /// at <paramref name="maxReactionNames"/> distinct names inside the same atomic update (<see cref="ReactionCap"/>);
    /// <c>events</c> and <c>replies</c> are added to (as <c>$inc</c> would), <c>lastFeedbackAt</c> takes the later time
    /// (as <c>$max</c> would), and <c>appliedBatches</c> gets the key appended (as <c>$push</c> would). The window is
    /// never cut here: only compaction removes keys, after writing their apply records (<see cref="AppliedContributions"/>).
    /// Needs MongoDB 5.0 or later.
    /// </remarks>
    public static UpdateOneModel<BsonDocument> ApplyContribution(AgentContribution c, ApplyGuard guard, int maxReactionNames, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(c);
        var set = new BsonDocument
        {
            { "events", AddTo("$events", c.Events) },
            { "replies", AddTo("$replies", c.Replies) },
        };
        if (ReactionCap.Expression(c.Reactions, maxReactionNames) is { } reactions)
        {
            set.Add("reactions", reactions);
        }

        if (c.LastFeedbackAt is { } last)
        {
            set.Add("lastFeedbackAt", new BsonDocument("$max", new BsonArray { "$lastFeedbackAt", last.UtcDateTime }));
        }

        set.Add("updatedAt", new BsonDocument("$literal", now));
        set.Add(AppliedGuard.KeysField, new BsonDocument("$concatArrays", new BsonArray
        {
            new BsonDocument("$ifNull", new BsonArray { "$" + AppliedGuard.KeysField, new BsonArray() }),
            new BsonArray { new BsonDocument("$literal", guard.BatchKey) },
        }));

        var pipeline = PipelineDefinition<BsonDocument, BsonDocument>.Create(new BsonDocument("$set", set));
        return new UpdateOneModel<BsonDocument>(AppliedGuard.Filter(c.AgentId, guard), new PipelineUpdateDefinition<BsonDocument>(pipeline)) { IsUpsert = false };
    }

    /// <summary>
    /// Records that a batch's aggregates are applied: <c>{_id: batchKey}</c>, <c>$setOnInsert</c>, upsert. Written only
    /// after every <see cref="ApplyContribution"/> of the batch succeeded; a re-flush that finds it skips the aggregates.
    /// </summary>
    /// <param name="rejected">Items of the batch the sink refused one by one (quarantined, not counted).</param>
    public static UpdateOneModel<BsonDocument> BatchMarker(FeedbackBatch batch, long counted, IEnumerable<string> agents, int rejected, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var fields = new BsonDocument
        {
            { "batchId", batch.BatchId },
            { "member", batch.Claim.Member },
            { "trigger", batch.Claim.Trigger.ToString().ToLowerInvariant() },
            { "openedAt", batch.Claim.OpenedAt.UtcDateTime },
            { "sealedAt", batch.Claim.SealedAt.UtcDateTime },
            { "events", batch.Events.Count },
            { "counted", counted },
            { "rejected", rejected },
            { "agents", new BsonArray(agents) },
            { "attempt", batch.Claim.Attempt },
            { "flushedAt", now },
        };
        return new UpdateOneModel<BsonDocument>(new BsonDocument("_id", BatchKey(batch)), new BsonDocument("$setOnInsert", fields)) { IsUpsert = true };
    }

    /// <summary>
    /// A reaction name as a field name under <c>reactions</c>: '.' and '$' (field path syntax) become '_', control
    /// characters are dropped, at most <see cref="MaxReactionLength"/> characters; empty becomes <c>unknown</c>.
    /// </summary>
    public static string ReactionField(string? reaction)
    {
        if (string.IsNullOrWhiteSpace(reaction))
        {
            return StoredItem.UnknownReaction;
        }

        var chars = reaction.Where(c => !char.IsControl(c)).Select(c => c is '.' or '$' ? '_' : c).Take(MaxReactionLength).ToList();
        if (chars.Count > 0 && char.IsHighSurrogate(chars[^1]))
        {
            chars.RemoveAt(chars.Count - 1);
        }

        return chars.Count == 0 ? StoredItem.UnknownReaction : new string([.. chars]);
    }

    /// <summary>
    /// An event document (read back with <see cref="OwnerCompletion.EventsProjection"/>) as the event it stores, for
    /// <see cref="Contributions(IEnumerable{ClaimedEvent}, IReadOnlySet{string})"/>: id, agent, type, reaction and times;
    /// null when the document lacks what counting needs (a hand edit).
    /// </summary>
    public static ClaimedEvent? EventOfDocument(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!document.TryGetValue("_id", out var id) || !id.IsString
            || !document.TryGetValue("agentId", out var agent) || !agent.IsString
            || !document.TryGetValue("type", out var type) || !type.IsString || type.AsString is not ("reply" or "reaction"))
        {
            return null;
        }

        bool reply = type.AsString == "reply";
        string? reaction = reply ? null
            : document.TryGetValue("reaction", out var r) && r.IsString ? r.AsString : StoredItem.UnknownReaction;
        return new ClaimedEvent(id.AsString, agent.AsString, reply ? FeedbackType.Reply : FeedbackType.Reaction, reaction, DateOf(document, "occurredAt"), DateOf(document, "receivedAt"), default);
    }

    /// <summary><c>{$add: [{$ifNull: [field, 0]}, amount]}</c>: what <c>$inc</c> does, inside a pipeline.</summary>
    private static BsonDocument AddTo(string field, long amount) =>
        new("$add", new BsonArray { new BsonDocument("$ifNull", new BsonArray { field, 0 }), amount });

    private static DateTimeOffset? DateOf(BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && value.IsValidDateTime ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero) : null;

    private static void SetDate(BsonDocument fields, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            fields.Set(name, time.UtcDateTime);
        }
    }
}
