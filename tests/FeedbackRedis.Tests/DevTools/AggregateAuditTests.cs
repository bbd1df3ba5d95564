using FeedbackRedis.DevTools.Checks;
using MongoDB.Bson;

namespace FeedbackRedis.Tests.DevTools;

[Category(TestCategories.Unit)]
public sealed class AggregateAuditTests
{
    private static readonly BsonDocument[] Events =
    [
        new() { { "_id", "e1" }, { "agentId", "a1" }, { "type", "reply" } },
        new() { { "_id", "e2" }, { "agentId", "a1" }, { "type", "reaction" } },
        new() { { "_id", "e3" }, { "agentId", "a1" }, { "type", "reaction" } },
        new() { { "_id", "e4" }, { "agentId", "a2" }, { "type", "reply" } },
    ];

    [Test]
    public void Compare_AggregatesThatMatchTheRecount_Pass()
    {
        var result = AggregateAudit.Compare(Events,
        [
            new() { { "_id", "a1" }, { "events", 3 }, { "replies", 1 }, { "reactions", new BsonDocument { { "heart", 1 }, { "other", 1L } } } },
            new() { { "_id", "a2" }, { "events", 1L }, { "replies", 1 } },
        ]);

        Assert.That(result.Passed, Is.True, string.Join("; ", result.Examples));
        Assert.That(result.Agents, Is.EqualTo(2));
    }

    [Test]
    public void Compare_ADoubleCountedBatchAMissingAgentAndAnExtraOne_AreEachAMismatch()
    {
        var result = AggregateAudit.Compare(Events,
        [
            new() { { "_id", "a1" }, { "events", 6 }, { "replies", 2 }, { "reactions", new BsonDocument { { "heart", 4 } } } },
            new() { { "_id", "a3" }, { "events", 1 }, { "replies", 1 } },
        ]);

        Assert.That(result.Mismatched, Is.EqualTo(3));
        Assert.That(result.Examples, Has.Some.EqualTo("a1: aggregates events 6, replies 2, reactions 4, recount events 3, replies 1, reactions 2"));
        Assert.That(result.Examples, Has.Some.EqualTo("a2: aggregates none, recount events 1, replies 1, reactions 0"));
        Assert.That(result.Examples, Has.Some.StartsWith("a3: aggregates events 1"));
    }
}
