using FeedbackRedis.Sinks.MongoDb;
using MongoDB.Bson;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>The guard kept in each agent document: its read-back and the decisions made on it. No server.</summary>
[Category(TestCategories.Unit)]
public sealed class AppliedGuardTests
{
    [Test]
    public void StateProjection_ReadsFloorEpochWindowSize_AndWhichAskedKeysTheWindowHolds_AsLiterals()
    {
        var projection = AppliedGuard.StateProjection(["a:1@10", "$events", "a:1@10"]);

        Assert.That(projection, Is.EqualTo(BsonDocument.Parse("""
            { "appliedFloor": 1, "appliedEpoch": 1,
              "appliedCount": { "$size": { "$ifNull": ["$appliedBatches", []] } },
              "appliedHits": { "$setIntersection": [ { "$ifNull": ["$appliedBatches", []] }, { "$literal": ["a:1@10", "$events"] } ] } }
            """)));
    }

    [Test]
    public void State_OfAReadBack_AndOfADocumentWithNoGuardYet()
    {
        var read = AppliedGuard.State(BsonDocument.Parse("""
            { "_id": "agent-1", "appliedFloor": { "$numberLong": "1500" }, "appliedEpoch": { "$numberLong": "3" }, "appliedCount": 12, "appliedHits": ["a:1@10"] }
            """));
        var fresh = AppliedGuard.State(BsonDocument.Parse("""{ "_id": "agent-2", "appliedCount": 0, "appliedHits": [] }"""));

        Assert.Multiple(() =>
        {
            Assert.That((read.AgentId, read.Floor, read.Epoch, read.Keys), Is.EqualTo(("agent-1", (long?)1500, (BsonValue)new BsonInt64(3), 12)));
            Assert.That(read.Hits, Is.EquivalentTo(new[] { "a:1@10" }));
            Assert.That(fresh.Floor, Is.Null, "nothing ever compacted: every batch is after the floor");
            Assert.That(fresh.Epoch, Is.EqualTo(BsonNull.Value), "a guarded filter then matches the missing field");
        });
    }

    [TestCase(true, null, "Applied", TestName = "Decide_KeyInTheWindow_IsApplied")]
    [TestCase(false, null, "CheckRecord", TestName = "Decide_KeyNotInTheWindow_RecordNotReadYet_ReadsTheRecord")]
    [TestCase(false, true, "Applied", TestName = "Decide_KeyCompacted_RecordThere_IsApplied")]
    [TestCase(false, false, "ApplyGuarded", TestName = "Decide_NeitherInTheWindowNorRecorded_IsAppliedWithTheGuardedFilter")]
    [TestCase(true, false, "Applied", TestName = "Decide_TheWindowOutranksAMissingRecord")]
    public void Decide_WindowAndRecord_GiveTheDecision(bool inWindow, bool? record, string expected)
    {
        var state = new AgentGuardState("agent-1", 2000, new BsonInt64(1), 5, inWindow ? new HashSet<string> { "a:1@10" } : []);

        Assert.That(AppliedGuard.Decide("a:1@10", state, record).ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void Decide_AgentDocumentNotFound_ReadsTheRecord_ThenAppliesGuarded() =>
        Assert.Multiple(() =>
        {
            Assert.That(AppliedGuard.Decide("a:1@10", null, null), Is.EqualTo(PairStatus.CheckRecord));
            Assert.That(AppliedGuard.Decide("a:1@10", null, false), Is.EqualTo(PairStatus.ApplyGuarded));
        });

    [TestCase("agent-1:7@1795435210000", 1795435210000L)]
    [TestCase("#global-0:3@5", 5L)]
    [TestCase("a@b:1@42", 42L)]
    [TestCase("agent-1:7", null)]
    [TestCase("agent-1:7@", null)]
    [TestCase("agent-1:7@-5", null)]
    public void SealedAtMsOf_ReadsTheMillisecondsAfterTheLastAt(string key, long? expected) =>
        Assert.That(AppliedGuard.SealedAtMsOf(key), Is.EqualTo(expected));
}
