using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>The exact documents the driver will send, rendered through the driver's own definitions. No server needed.</summary>
[Category(TestCategories.Unit)]
public sealed class MongoWriteModelsTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 12, 0, 11, DateTimeKind.Utc);
    private static readonly DateTimeOffset At = new(2026, 11, 23, 11, 59, 0, TimeSpan.Zero);

    [Test]
    public void EventUpsert_FiltersOnIdAlone_AndSetsEveryFieldOnInsertOnly()
    {
        var batch = Batch("agent-1:7", TestFeedback.Item("agent-1", "e-1", "reaction", "like", At));

        var model = MongoWriteModels.EventUpsert(batch.Events[0], batch, Now);

        var expectedFields = new BsonDocument
        {
            { "agentId", "agent-1" },
            { "type", "reaction" },
            { "reaction", "like" },
            { "occurredAt", At.UtcDateTime },
            { "receivedAt", At.AddSeconds(1).UtcDateTime },
            { "topic", "feedback.reaction.received" },
            { "partition", 0 },
            { "offset", 42 },
            { "messageId", "m-e-1" },
            { "conversationId", "c-1" },
            { "userId", "u-1" },
            { "text", BsonNull.Value },
            { "batchId", "agent-1:7" },
            { "batchSealedAt", TestStores.Start.AddSeconds(10).UtcDateTime },
            { "writtenAt", Now },
        };
        Assert.Multiple(() =>
        {
            Assert.That(model.IsUpsert, Is.True);
            Assert.That(Render(model.Filter), Is.EqualTo(new BsonDocument("_id", "e-1")));
            Assert.That(Render(model.Update), Is.EqualTo(new BsonDocument("$setOnInsert", expectedFields)));
        });
    }

    [Test]
    public void EventFields_KeepDollarNamedPayloadFieldsAsPlainFields_NotExtendedJsonTypes()
    {
        var batch = Batch("agent-1:7", """{"eventId":"e-1","agentId":"agent-1","type":"reply","meta":{"$date":"not a date"},"_id":"forged"}""");

        var fields = MongoWriteModels.EventFields(batch.Events[0], batch, Now);

        Assert.Multiple(() =>
        {
            Assert.That(fields["meta"], Is.EqualTo(new BsonDocument("$date", "not a date")));
            Assert.That(fields.Contains("_id"), Is.False, "the item cannot choose its own _id");
            Assert.That(fields.Contains("eventId"), Is.False, "it is the _id");
        });
    }

    [Test]
    public void ApplyContribution_Fast_IncrementsOnlyForAnAbsentKeyAfterTheFloor_AppendsTheKeyInOneStage()
    {
        var contribution = new AgentContribution("agent-1", 5, 2, new Dictionary<string, long> { ["like"] = 2, ["heart"] = 1 }, At);

        var model = MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast("agent-1:7@1795435210000", 1795435210000), maxReactionNames: 100, Now);

        var update = Render(model.Update).AsBsonArray;
        var set = update.Single()["$set"].AsBsonDocument;
        Assert.Multiple(() =>
        {
            Assert.That(model.IsUpsert, Is.False, "EnsureAgent creates the document; an upsert here could insert a second copy");
            Assert.That(Render(model.Filter), Is.EqualTo(BsonDocument.Parse("""
                { "_id": "agent-1", "appliedBatches": { "$ne": "agent-1:7@1795435210000" },
                  "appliedFloor": { "$not": { "$gte": { "$numberLong": "1795435210000" } } } }
                """)));
            Assert.That(update, Has.Count.EqualTo(1), "one stage: the whole update is one atomic write of one document");
            Assert.That(set.Names, Is.EqualTo(new[] { "events", "replies", "reactions", "lastFeedbackAt", "updatedAt", "appliedBatches" }));
            Assert.That(set["events"], Is.EqualTo(BsonDocument.Parse("""{ "$add": [{ "$ifNull": ["$events", 0] }, { "$numberLong": "5" }] }""")));
            Assert.That(set["replies"], Is.EqualTo(BsonDocument.Parse("""{ "$add": [{ "$ifNull": ["$replies", 0] }, { "$numberLong": "2" }] }""")));
            Assert.That(set["reactions"], Is.EqualTo(ReactionCap.Expression(contribution.Reactions, 100)), "ReactionCapTests has its shape");
            Assert.That(set["reactions"]["$let"]["vars"]["names"]["$literal"], Is.EqualTo(new BsonArray { "heart", "like" }));
            Assert.That(set["lastFeedbackAt"], Is.EqualTo(new BsonDocument("$max", new BsonArray { "$lastFeedbackAt", At.UtcDateTime })));
            Assert.That(set["updatedAt"], Is.EqualTo(new BsonDocument("$literal", Now)));
            Assert.That(set["appliedBatches"], Is.EqualTo(BsonDocument.Parse(
                """{ "$concatArrays": [{ "$ifNull": ["$appliedBatches", []] }, [{ "$literal": "agent-1:7@1795435210000" }]] }""")),
                "appended, never cut here: only compaction removes keys, after writing their records");
        });
    }

    [Test]
    public void ApplyContribution_Guarded_AllowsABatchAtOrBeforeTheFloorOnlyWhileTheEpochIsTheOneRead()
    {
        var contribution = new AgentContribution("agent-1", 1, 1, new Dictionary<string, long>(), null);

        var guarded = MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Guarded("agent-1:7@1000", 1000, 4L), 100, Now);
        var noEpochYet = MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Guarded("agent-1:7@1000", 1000, BsonNull.Value), 100, Now);

        Assert.Multiple(() =>
        {
            Assert.That(Render(guarded.Filter), Is.EqualTo(BsonDocument.Parse("""
                { "_id": "agent-1", "appliedBatches": { "$ne": "agent-1:7@1000" },
                  "$or": [ { "appliedFloor": { "$not": { "$gte": { "$numberLong": "1000" } } } },
                           { "appliedEpoch": { "$numberLong": "4" } } ] }
                """)));
            Assert.That(Render(noEpochYet.Filter)["$or"][1], Is.EqualTo(new BsonDocument("appliedEpoch", BsonNull.Value)), "matches a document without an epoch, as MongoDB's null does");
            Assert.That(Render(guarded.Update), Is.EqualTo(Render(noEpochYet.Update)), "the update is the same; only the filter differs");
        });
    }

    [Test]
    public void ApplyContribution_OfRepliesOnly_LeavesReactionsAndTheTimeAlone()
    {
        var contribution = new AgentContribution("agent-1", 2, 2, new Dictionary<string, long>(), null);

        var set = Render(MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast("k@1", 1), maxReactionNames: 100, Now).Update).AsBsonArray.Single()["$set"].AsBsonDocument;

        Assert.That(set.Names, Is.EqualTo(new[] { "events", "replies", "updatedAt", "appliedBatches" }));
    }

    [Test]
    public void ApplyContribution_ABatchKeyStartingWithDollar_IsALiteral_NotAFieldPath()
    {
        var contribution = new AgentContribution("agent-1", 1, 1, new Dictionary<string, long>(), null);

        var set = Render(MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast("$events", 1), maxReactionNames: 100, Now).Update).AsBsonArray.Single()["$set"];

        Assert.That(set["appliedBatches"]["$concatArrays"][1], Is.EqualTo(new BsonArray { new BsonDocument("$literal", "$events") }));
    }

    [Test]
    public void EnsureAgent_UpsertsOnIdEqualityAlone()
    {
        var model = MongoWriteModels.EnsureAgent("agent-1", Now);

        Assert.Multiple(() =>
        {
            Assert.That(model.IsUpsert, Is.True);
            Assert.That(Render(model.Filter), Is.EqualTo(new BsonDocument("_id", "agent-1")));
            Assert.That(Render(model.Update), Is.EqualTo(new BsonDocument("$setOnInsert", new BsonDocument("createdAt", Now))));
        });
    }

    [Test]
    public void Contributions_CountOnlyTheEventsThisBatchWroteFirst_EachIdOnce_PerAgent()
    {
        var batch = Batch(
            "#global-0:3",
            TestFeedback.Item("a", "e-1", occurredAt: At),
            TestFeedback.Item("a", "e-2", "reaction", "like", At.AddSeconds(5)),
            TestFeedback.Item("a", "e-2", "reaction", "like", At.AddSeconds(5)),
            TestFeedback.Item("a", "e-3", "reaction", "like"),
            TestFeedback.Item("b", "e-4", "reaction", "a.b$c"));
        var owned = new HashSet<string> { "e-1", "e-2", "e-4" }; // e-3 was written first by another batch

        var contributions = MongoWriteModels.Contributions(batch, owned).ToDictionary(c => c.AgentId);

        Assert.Multiple(() =>
        {
            Assert.That(contributions["a"].Events, Is.EqualTo(2));
            Assert.That(contributions["a"].Replies, Is.EqualTo(1));
            Assert.That(contributions["a"].Reactions, Is.EqualTo(new Dictionary<string, long> { ["like"] = 1 }));
            Assert.That(contributions["a"].LastFeedbackAt, Is.EqualTo(At.AddSeconds(5)));
            Assert.That(contributions["b"].Reactions.Keys, Is.EqualTo(new[] { "a_b_c" }), "no field-path syntax in a reaction name");
        });
    }

    [Test]
    public void Contributions_OverTheKeptEvents_LeaveARefusedItemOut_EvenWhenItsIdWasWrittenByAnotherItem()
    {
        var batch = Batch(
            "agent-1:7",
            TestFeedback.Item("agent-1", "e-1", "reaction", "poison"),
            TestFeedback.Item("agent-1", "e-2"),
            TestFeedback.Item("agent-1", "e-1", "reaction", "like"));
        var owned = new HashSet<string> { "e-1", "e-2" };

        var contribution = MongoWriteModels.Contributions(batch.Events.Where(e => e.ItemIndex != 0), owned).Single();

        Assert.Multiple(() =>
        {
            Assert.That(contribution.Events, Is.EqualTo(2));
            Assert.That(contribution.Reactions, Is.EqualTo(new Dictionary<string, long> { ["like"] = 1 }), "item #0 was refused; item #2 wrote e-1");
        });
    }

    [Test]
    public void Contributions_OfABatchThatWroteNothingFirst_AreEmpty_SoItsAggregateStepSendsNothing()
    {
        var batch = Batch("agent-1:9", TestFeedback.Item("agent-1", "e-1"));

        Assert.That(MongoWriteModels.Contributions(batch, new HashSet<string>()), Is.Empty);
    }

    [Test]
    public void IdConflicts_AreTheEventsStoredUnderAnotherAgent_NotTheNewOnes_NorTheSameAgentsRedeliveries()
    {
        var batch = Batch("agent-1:7", TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2"), TestFeedback.Item("agent-1", "e-3"));
        var stored = new Dictionary<string, BsonDocument>
        {
            ["e-1"] = new() { { "_id", "e-1" }, { "agentId", "agent-1" } },
            ["e-2"] = new() { { "_id", "e-2" }, { "agentId", "agent-2" } },
        };

        var conflicts = MongoWriteModels.IdConflicts(batch.Events, stored);

        Assert.That(conflicts.Select(c => (c.Event.EventId, c.StoredAgentId)), Is.EqualTo(new[] { ("e-2", "agent-2") }));
    }

    [Test]
    public void WrittenFirstBy_NeedsTheSameBatchIdAndSealTime()
    {
        var batch = Batch("agent-1:7", TestFeedback.Item("agent-1", "e-1"));
        var sealedAt = TestStores.Start.AddSeconds(10).UtcDateTime;

        Assert.Multiple(() =>
        {
            Assert.That(MongoWriteModels.WrittenFirstBy(new BsonDocument { { "batchId", "agent-1:7" }, { "batchSealedAt", sealedAt } }, batch), Is.True);
            Assert.That(MongoWriteModels.WrittenFirstBy(new BsonDocument { { "batchId", "agent-1:6" }, { "batchSealedAt", sealedAt } }, batch), Is.False);
            Assert.That(
                MongoWriteModels.WrittenFirstBy(new BsonDocument { { "batchId", "agent-1:7" }, { "batchSealedAt", sealedAt.AddDays(-1) } }, batch),
                Is.False,
                "the same id handed out again by a Redis that lost writes is another batch");
        });
    }

    [Test]
    public void BatchMarker_IsAnInsertOnceOfTheBatchKey()
    {
        var batch = Batch("agent-1:7", TestFeedback.Item("agent-1", "e-1"));

        var model = MongoWriteModels.BatchMarker(batch, counted: 1, ["agent-1"], rejected: 2, Now);
        var update = Render(model.Update).AsBsonDocument;

        Assert.Multiple(() =>
        {
            Assert.That(MongoWriteModels.BatchKey(batch), Is.EqualTo($"agent-1:7@{TestStores.Start.AddSeconds(10).ToUnixTimeMilliseconds()}"));
            Assert.That(model.IsUpsert, Is.True);
            Assert.That(Render(model.Filter), Is.EqualTo(new BsonDocument("_id", MongoWriteModels.BatchKey(batch))));
            Assert.That(update.Names, Is.EqualTo(new[] { "$setOnInsert" }));
            Assert.That(update["$setOnInsert"]["counted"], Is.EqualTo(new BsonInt64(1)));
            Assert.That(update["$setOnInsert"]["rejected"], Is.EqualTo(new BsonInt32(2)), "items quarantined one by one, for operators");
        });
    }

    [Test]
    public void FirstWriterOf_GivesTheOwnersIdSealTimeAndKey_OrNullWhenTheDocumentDoesNotSay()
    {
        var sealedAt = new DateTime(2026, 11, 23, 12, 0, 10, 123, DateTimeKind.Utc);

        var owner = MongoWriteModels.FirstWriterOf(new BsonDocument { { "batchId", "agent-1:7" }, { "batchSealedAt", sealedAt } });

        Assert.Multiple(() =>
        {
            Assert.That(owner, Is.EqualTo(("agent-1:7", sealedAt, $"agent-1:7@{new DateTimeOffset(sealedAt).ToUnixTimeMilliseconds()}")));
            Assert.That(owner!.Value.Key, Is.EqualTo(MongoWriteModels.BatchKey(FeedbackBatch.Read(TestFeedback.Claimed("agent-1:7", [], sealedAt: new DateTimeOffset(sealedAt))))), "the key the owner itself uses");
            Assert.That(MongoWriteModels.FirstWriterOf(new BsonDocument("batchId", "agent-1:7")), Is.Null);
            Assert.That(MongoWriteModels.FirstWriterOf(new BsonDocument { { "batchId", 7 }, { "batchSealedAt", sealedAt } }), Is.Null);
        });
    }

    [Test]
    public void EventOfDocument_ReadsWhatCountingNeeds_AndCountsLikeTheItemItWasWrittenFrom()
    {
        var batch = Batch(
            "agent-1:7",
            TestFeedback.Item("agent-1", "e-1", occurredAt: At),
            TestFeedback.Item("agent-1", "e-2", "reaction", "a.b", At.AddSeconds(3)),
            """{"eventId":"e-3","agentId":"agent-1","type":"reaction"}""");
        var docs = batch.Events.Select(e => MongoWriteModels.EventFields(e, batch, Now).Add("_id", e.EventId)).ToList();
        var ids = batch.Events.Select(e => e.EventId).ToHashSet();

        var fromDocs = MongoWriteModels.Contributions(docs.Select(MongoWriteModels.EventOfDocument).OfType<ClaimedEvent>(), ids).Single();
        var fromItems = MongoWriteModels.Contributions(batch, ids).Single();

        Assert.Multiple(() =>
        {
            Assert.That((fromDocs.Events, fromDocs.Replies, fromDocs.LastFeedbackAt), Is.EqualTo((fromItems.Events, fromItems.Replies, fromItems.LastFeedbackAt)));
            Assert.That(fromDocs.Reactions, Is.EqualTo(fromItems.Reactions));
            Assert.That(fromDocs.Reactions.Keys, Is.EquivalentTo(new[] { "a_b", "unknown" }));
            Assert.That(MongoWriteModels.EventOfDocument(new BsonDocument { { "_id", "e-9" }, { "agentId", "a" }, { "type", "vote" } }), Is.Null, "a hand edit is not counted");
        });
    }

    [TestCase("like", "like")]
    [TestCase("", "unknown")]
    [TestCase("$inc.x", "_inc_x")]
    [TestCase("\u0001", "unknown")]
    public void ReactionField_IsASafeFieldName(string reaction, string expected) =>
        Assert.That(MongoWriteModels.ReactionField(reaction), Is.EqualTo(expected));

    private static FeedbackBatch Batch(string batchId, params string[] items) => FeedbackBatch.Read(TestFeedback.Claimed(batchId, items));

    private static RenderArgs<BsonDocument> Args => new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    private static BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(Args);

    private static BsonValue Render(UpdateDefinition<BsonDocument> update) => update.Render(Args);
}
