using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Bson;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>Which gone owners a group write completes, and how an owner's share is counted from its documents. No server.</summary>
[Category(TestCategories.Unit)]
public sealed class OwnerCompletionTests
{
    private static readonly MongoSinkOptions Options = new() { CompleteOwnersAfterMinutes = 60, ContributionRetentionDays = 30 };
    private static readonly DateTime Now = TestStores.Start.UtcDateTime.AddHours(3);

    [Test]
    public void Candidates_AreOtherOwnersOfCarriedEvents_SealedLongEnoughAgoNotInTheGroup_OncePerOwnerAndAgent()
    {
        var y = Batch("agent-1:9", Now.AddMinutes(-1), "e-own", "e-old", "e-old2", "e-young", "e-group", "e-ancient", "e-new");
        var old = Owner("agent-1:2", Now.AddHours(-2), "agent-1");
        var writers = new Dictionary<string, BsonDocument>
        {
            ["e-own"] = Owner("agent-1:9", Now.AddMinutes(-1), "agent-1"),   // written first by y itself
            ["e-old"] = old,                                                 // a gone owner
            ["e-old2"] = old.DeepClone().AsBsonDocument,                     // the same owner and agent again
            ["e-young"] = Owner("agent-1:3", Now.AddMinutes(-30), "agent-1"), // may still be on its way
            ["e-group"] = Owner("agent-1:4", Now.AddHours(-2), "agent-1"),    // in this group: alive, applies itself
            ["e-ancient"] = Owner("agent-1:1", Now.AddDays(-29.5), "agent-1"), // past the retention horizon
        };                                                                    // e-new: not read back (refused, say)
        var groupKeys = new HashSet<string> { MongoWriteModels.BatchKey(y), KeyOf(writers["e-group"]) };

        var candidates = OwnerCompletion.Candidates([(y, y.Events)], writers, groupKeys, Now, Options);

        Assert.Multiple(() =>
        {
            Assert.That(candidates.Select(c => (c.OwnerKey, c.AgentId)), Is.EqualTo(new[] { (KeyOf(old), "agent-1") }));
            Assert.That(candidates[0].OwnerBatchId, Is.EqualTo("agent-1:2"));
            Assert.That(candidates[0].Carrier, Is.SameAs(y));
        });
    }

    [Test]
    public void Candidates_CountForTheAgentTheDocumentNames_AndAreBoundedPerWrite()
    {
        var ids = Enumerable.Range(0, OwnerCompletion.MaxPerWrite + 20).Select(i => $"e-{i}").ToArray();
        var y = Batch("agent-1:9", Now, ids);
        var writers = ids.Select((id, i) => (id, Owner($"agent-{i}:1", Now.AddHours(-2), $"agent-{i}"))).ToDictionary(p => p.id, p => p.Item2);

        var candidates = OwnerCompletion.Candidates([(y, y.Events)], writers, new HashSet<string>(), Now, Options);

        Assert.Multiple(() =>
        {
            Assert.That(candidates, Has.Count.EqualTo(OwnerCompletion.MaxPerWrite));
            Assert.That(candidates[5].AgentId, Is.EqualTo("agent-5"), "the owner's document says which agent it counts for");
        });
    }

    [Test]
    public void EventsFilter_SelectsEachOwnersEventsForItsAgent()
    {
        var sealedAt = Now.AddHours(-2);
        var share = new OwnerShare("agent-1:2@1", "agent-1:2", sealedAt, "agent-1", Batch("agent-1:9", Now));

        Assert.That(OwnerCompletion.EventsFilter([share]), Is.EqualTo(new BsonDocument("$or", new BsonArray
        {
            new BsonDocument { { "batchId", "agent-1:2" }, { "batchSealedAt", sealedAt }, { "agentId", "agent-1" } },
        })));
    }

    [Test]
    public void Shares_CountEachOwnersDocumentsPerAgent_AsTheOwnerWouldHave()
    {
        var x = BatchOf("agent-1:2", Now.AddHours(-2), ("e-1", "agent-1", "reply"), ("e-2", "agent-1", "like"), ("e-3", "agent-2", "like"));
        var docs = x.Events.Select(e => MongoWriteModels.EventFields(e, x, Now).Add("_id", e.EventId)).ToList();
        var key = MongoWriteModels.BatchKey(x);
        var one = new OwnerShare(key, x.BatchId, x.Claim.SealedAt.UtcDateTime, "agent-1", x);
        var two = new OwnerShare(key, x.BatchId, x.Claim.SealedAt.UtcDateTime, "agent-2", x);
        var none = new OwnerShare("agent-9:1@1", "agent-9:1", Now, "agent-9", x);

        var shares = OwnerCompletion.Shares([one, two, none], docs);
        var own = MongoWriteModels.Contributions(x, x.Events.Select(e => e.EventId).ToHashSet()).ToDictionary(c => c.AgentId);

        Assert.Multiple(() =>
        {
            Assert.That(shares.Keys, Is.EquivalentTo(new[] { one, two }), "an owner with no document has nothing to complete");
            Assert.That((shares[one].Events, shares[one].Replies, shares[one].Reactions["like"]), Is.EqualTo((own["agent-1"].Events, own["agent-1"].Replies, own["agent-1"].Reactions["like"])));
            Assert.That(shares[two].Events, Is.EqualTo(1));
        });
    }

    private static BsonDocument Owner(string batchId, DateTime sealedAt, string agentId) =>
        new() { { "batchId", batchId }, { "batchSealedAt", sealedAt }, { "agentId", agentId } };

    private static string KeyOf(BsonDocument owner) => MongoWriteModels.FirstWriterOf(owner)!.Value.Key;

    private static FeedbackBatch Batch(string batchId, DateTime sealedAt, params string[] eventIds) =>
        FeedbackBatch.Read(TestFeedback.Claimed(batchId, eventIds.Select(id => TestFeedback.Item("agent-1", id)), sealedAt: new DateTimeOffset(sealedAt)));

    private static FeedbackBatch BatchOf(string batchId, DateTime sealedAt, params (string Id, string Agent, string Kind)[] events) =>
        FeedbackBatch.Read(TestFeedback.Claimed(
            batchId,
            events.Select(e => e.Kind == "reply" ? TestFeedback.Item(e.Agent, e.Id) : TestFeedback.Item(e.Agent, e.Id, "reaction", e.Kind)),
            sealedAt: new DateTimeOffset(sealedAt)));
}
