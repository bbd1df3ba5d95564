using FeedbackRedis.Sinks.MongoDb;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>The per-(batch, agent) apply records, compaction and their TTL, as the driver will send them. No server.</summary>
[Category(TestCategories.Unit)]
public sealed class AppliedContributionsTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 12, 0, 11, DateTimeKind.Utc);

    [Test]
    public void Record_IsAnInsertOnceOfBatchKeyAndAgent_WithTheSealTimeForTheTtl()
    {
        var model = AppliedContributions.Record("agent-1:7@1795435210000", "agent-1", Now);

        Assert.Multiple(() =>
        {
            Assert.That(model.IsUpsert, Is.True);
            Assert.That(Render(model.Filter), Is.EqualTo(new BsonDocument("_id", "agent-1:7@1795435210000|agent-1")));
            Assert.That(Render(model.Update), Is.EqualTo(new BsonDocument("$setOnInsert", new BsonDocument
            {
                { "batchKey", "agent-1:7@1795435210000" },
                { "batchId", "agent-1:7" },
                { "agentId", "agent-1" },
                { "sealedAt", DateTimeOffset.FromUnixTimeMilliseconds(1795435210000).UtcDateTime },
                { "recordedAt", Now },
            })));
        });
    }

    [Test]
    public void Record_OfAKeyWithoutASealTime_IsRefused() =>
        Assert.Throws<ArgumentException>(() => AppliedContributions.Record("agent-1:7", "agent-1", Now));

    [Test]
    public void Plan_WithinTheKeptSize_CompactsNothing() =>
        Assert.That(AppliedContributions.Plan("agent-1", Keys(10), kept: 10), Is.Null);

    [Test]
    public void Plan_PastTheKeptSize_MovesTheOldestHalfBySealTime_RaisesTheFloorToTheLatestMoved()
    {
        var window = Keys(11).Reverse().Append("legacy-without-time").ToList(); // order in the document does not matter

        var plan = AppliedContributions.Plan("agent-1", window, kept: 10)!;

        Assert.Multiple(() =>
        {
            Assert.That(plan.AgentId, Is.EqualTo("agent-1"));
            Assert.That(plan.Evicted, Is.EqualTo(new[] { "b:0@1000", "b:1@1001", "b:2@1002", "b:3@1003", "b:4@1004", "b:5@1005", "b:6@1006" }), "12 keys, 5 kept");
            Assert.That(plan.Floor, Is.EqualTo(1006));
            Assert.That(plan.Evicted, Does.Not.Contain("legacy-without-time"), "a key without a seal time stays guarded by the window");
        });
    }

    [Test]
    public void Plan_TiesAtTheFloor_AreBrokenByKey_AndAKeptTieStaysInTheWindow()
    {
        var plan = AppliedContributions.Plan("a", ["x:2@5", "x:1@5", "x:3@9", "x:4@9"], kept: 2)!;

        Assert.Multiple(() =>
        {
            Assert.That(plan.Evicted, Is.EqualTo(new[] { "x:1@5", "x:2@5", "x:3@9" }));
            Assert.That(plan.Floor, Is.EqualTo(9), "x:4@9 stays in the window, which refuses it on its own");
        });
    }

    [Test]
    public void Compact_PullsTheMovedKeys_RaisesTheFloorAndTheEpoch_InOneUpdate()
    {
        var model = AppliedContributions.Compact(new CompactionPlan("agent-1", ["b:0@1000", "b:1@1001"], 1001));

        Assert.Multiple(() =>
        {
            Assert.That(model.IsUpsert, Is.False);
            Assert.That(Render(model.Filter), Is.EqualTo(new BsonDocument("_id", "agent-1")));
            Assert.That(Render(model.Update), Is.EqualTo(BsonDocument.Parse("""
                { "$pull": { "appliedBatches": { "$in": ["b:0@1000", "b:1@1001"] } },
                  "$max": { "appliedFloor": { "$numberLong": "1001" } },
                  "$inc": { "appliedEpoch": { "$numberLong": "1" } } }
                """)));
        });
    }

    [Test]
    public void Indexes_ExpireRecordsTheRetentionAfterTheirSeal_AndAChangedRetentionIsACollMod()
    {
        var ttl = MongoIndexes.Contributions(TimeSpan.FromDays(30)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(ttl.Keys.Render(new RenderArgs<BsonDocument>(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry)), Is.EqualTo(new BsonDocument("sealedAt", 1)));
            Assert.That(ttl.Options.ExpireAfter, Is.EqualTo(TimeSpan.FromDays(30)));
            Assert.That(ttl.Options.Name, Is.EqualTo("sealedAt_ttl"));
            Assert.That(MongoIndexes.RetentionChange("applied_contributions", TimeSpan.FromDays(45)), Is.EqualTo(BsonDocument.Parse("""
                { "collMod": "applied_contributions", "index": { "name": "sealedAt_ttl", "expireAfterSeconds": { "$numberLong": "3888000" } } }
                """)));
        });
    }

    private static IEnumerable<string> Keys(int count) => Enumerable.Range(0, count).Select(i => $"b:{i}@{1000 + i}");

    private static RenderArgs<BsonDocument> Args => new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    private static BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(Args);

    private static BsonValue Render(UpdateDefinition<BsonDocument> update) => update.Render(Args);
}
