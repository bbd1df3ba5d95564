using FeedbackRedis.Sinks.MongoDb;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>
/// The capped reaction counters of <see cref="MongoWriteModels.ApplyContribution"/>, without a server: the pipeline's
/// structure, and its logic run through <see cref="ExpressionModel"/> against applying the names one by one.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class ReactionCapTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 12, 0, 11, DateTimeKind.Utc);

    [Test]
    public void Prepare_SortsOrdinally_SanitisesAgain_MergesAndDropsEmptyCounts()
    {
        var (named, folded) = ReactionCap.Prepare(new Dictionary<string, long>
        {
            ["b"] = 1,
            ["B"] = 2,
            ["a.b"] = 3,
            ["a_b"] = 4,
            ["zero"] = 0,
            ["$x"] = 5,
        });

        Assert.Multiple(() =>
        {
            Assert.That(named.Select(n => n.Key), Is.EqualTo(new[] { "B", "_x", "a_b", "b" }), "ordinal order, field-path characters replaced");
            Assert.That(named.Single(n => n.Key == "a_b").Value, Is.EqualTo(7), "names that sanitise alike share one counter");
            Assert.That(folded, Is.Zero);
        });
    }

    [Test]
    public void Prepare_SendsAtMost20000NamesOneByOne_AndFoldsTheRestIntoOther()
    {
        var reactions = Enumerable.Range(0, ReactionCap.MaxNamesPerUpdate + 5).ToDictionary(i => $"r{i:D6}", i => 2L);

        var (named, folded) = ReactionCap.Prepare(reactions);

        Assert.Multiple(() =>
        {
            Assert.That(named, Has.Count.EqualTo(ReactionCap.MaxNamesPerUpdate));
            Assert.That(named[^1].Key, Is.EqualTo($"r{ReactionCap.MaxNamesPerUpdate - 1:D6}"), "the first names in sorted order are kept");
            Assert.That(folded, Is.EqualTo(10));
        });
    }

    [Test]
    public void Expression_NamesEachReactionAsAConstantGetField_InTheSameSortedOrderAsTheNamesAndCounts()
    {
        var expression = ReactionCap.Expression(new Dictionary<string, long> { ["wow"] = 1, ["like"] = 4, ["heart"] = 2 }, maxNames: 100)!;

        var outer = expression["$let"]["vars"].AsBsonDocument;
        var current = expression["$let"]["in"]["$let"]["vars"].AsBsonDocument;
        var getFields = current["cur"].AsBsonArray.Select(g => g["$getField"]["field"]["$literal"].AsString);
        Assert.Multiple(() =>
        {
            Assert.That(outer["r"], Is.EqualTo(BsonDocument.Parse("""{ "$ifNull": ["$reactions", {}] }""")));
            Assert.That(outer["names"], Is.EqualTo(BsonDocument.Parse("""{ "$literal": ["heart", "like", "wow"] }""")));
            Assert.That(outer["counts"], Is.EqualTo(new BsonDocument("$literal", new BsonArray { 2L, 4L, 1L })));
            Assert.That(getFields, Is.EqualTo(new[] { "heart", "like", "wow" }), "cur[i] is the current count of names[i]");
            Assert.That(current["cur"].AsBsonArray.Select(g => g["$getField"]["input"].AsString), Has.All.EqualTo("$$r"));
            Assert.That(current["free"], Is.EqualTo(BsonDocument.Parse("""{ "$max": [0, { "$subtract": [100, { "$size": { "$objectToArray": "$$r" } }] }] }""")));
        });
    }

    [Test]
    public void Expression_AdmitsTheFreshNamesInIndexOrder_FirstFreeOfThem_AndSpillsTheRest()
    {
        var expression = ReactionCap.Expression(new Dictionary<string, long> { ["a"] = 1, ["b"] = 1 }, maxNames: 5)!;

        var split = expression["$let"]["in"]["$let"]["in"]["$let"];
        var taken = split["in"]["$let"];
        var counted = taken["in"]["$let"];
        Assert.Multiple(() =>
        {
            Assert.That(split["vars"]["known"], Is.EqualTo(BsonDocument.Parse(
                """{ "$filter": { "input": { "$range": [0, 2] }, "as": "i", "cond": { "$ne": [{ "$arrayElemAt": ["$$cur", "$$i"] }, null] } } }""")));
            Assert.That(split["vars"]["fresh"], Is.EqualTo(BsonDocument.Parse(
                """{ "$filter": { "input": { "$range": [0, 2] }, "as": "i", "cond": { "$eq": [{ "$arrayElemAt": ["$$cur", "$$i"] }, null] } } }""")),
                "$filter over $range keeps ascending index order, which is the names' sorted order");
            Assert.That(taken["vars"]["take"], Is.EqualTo(BsonDocument.Parse(
                """{ "$concatArrays": ["$$known", { "$slice": ["$$fresh", "$$free"] }] }""")));
            Assert.That(counted["vars"]["spill"], Is.EqualTo(BsonDocument.Parse(
                """{ "$subtract": [{ "$sum": "$$counts" }, { "$sum": { "$map": { "input": "$$take", "as": "i", "in": { "$arrayElemAt": ["$$counts", "$$i"] } } } }] }""")));
            Assert.That(counted["in"], Is.EqualTo(BsonDocument.Parse(
                """{ "$cond": [{ "$gt": ["$$spill", 0] }, { "$mergeObjects": ["$$merged", { "other": { "$add": [{ "$ifNull": [{ "$getField": { "field": { "$literal": "other" }, "input": "$$merged" } }, 0] }, "$$spill"] } }] }, "$$merged"] }""")));
        });
    }

    [Test]
    public void Expression_HasAFixedNestingDepth_WhateverTheNumberOfNames()
    {
        int Depth(BsonValue value) => value switch
        {
            BsonDocument d => 1 + d.Values.Select(Depth).DefaultIfEmpty(0).Max(),
            BsonArray a => 1 + a.Select(Depth).DefaultIfEmpty(0).Max(),
            _ => 0,
        };

        var few = ReactionCap.Expression(new Dictionary<string, long> { ["a"] = 1 }, 100)!;
        var many = ReactionCap.Expression(Enumerable.Range(0, 5_000).ToDictionary(i => $"n{i}", _ => 1L), 100)!;

        Assert.Multiple(() =>
        {
            Assert.That(Depth(many), Is.EqualTo(Depth(few)));
            Assert.That(Depth(many), Is.LessThan(40), "MongoDB refuses documents nested deeper than 100 levels (the update adds a few)");
        });
    }

    [Test]
    public void Expression_OfTheLargestContribution_StaysWellInsideMongoDbsStatementLimit()
    {
        // 20,000 names of 64 characters that take 3 bytes each in UTF-8: the worst the sanitiser lets through.
        var reactions = Enumerable.Range(0, ReactionCap.MaxNamesPerUpdate + 1000)
            .ToDictionary(i => $"{i:D6}" + new string('\u20ac', 58), _ => 1_000_000_000_000L);
        var contribution = new AgentContribution("agent-1", reactions.Count, 0, reactions, null);

        var update = Render(MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast("agent-1:7@1795435210000", 1795435210000), 10_000, Now).Update);

        Assert.That(new BsonDocument("u", update).ToBson().Length, Is.LessThan(12 * 1024 * 1024), "16 MB is MongoDB's limit for one statement");
    }

    [Test]
    public void Expression_WithoutReactions_IsNull_SoTheUpdateLeavesReactionsAlone() =>
        Assert.That(ReactionCap.Expression(new Dictionary<string, long>(), 100), Is.Null);

    [TestCase(0)]
    [TestCase(-1)]
    public void Expression_RefusesACapBelowOne(int cap) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ReactionCap.Expression(new Dictionary<string, long> { ["a"] = 1 }, cap));

    [Test]
    public void Model_EmptyAgentGiven150DistinctNames_EndsAs100NamesAndOther_WithEveryCountKept()
    {
        var reactions = Enumerable.Range(0, 150).ToDictionary(i => $"r{i:D3}", i => (long)i + 1);

        var agent = ApplyThroughModel(new BsonDocument("_id", "agent-1"), reactions, cap: 100);

        var stored = agent["reactions"].AsBsonDocument;
        Assert.Multiple(() =>
        {
            Assert.That(stored.ElementCount, Is.EqualTo(101));
            Assert.That(stored.Names.Where(n => n != "other"), Is.EqualTo(Enumerable.Range(0, 100).Select(i => $"r{i:D3}")), "the first 100 in sorted order");
            Assert.That(stored["other"].ToInt64(), Is.EqualTo(Enumerable.Range(101, 50).Sum()));
            Assert.That(stored.Values.Sum(v => v.ToInt64()), Is.EqualTo(reactions.Values.Sum()));
        });
    }

    [Test]
    public void Model_AFullAgent_StillCountsItsKnownNames_AndSendsNewOnesToOther()
    {
        var existing = new BsonDocument { { "_id", "agent-1" }, { "reactions", new BsonDocument { { "like", 5L }, { "heart", 1L } } } };

        var agent = ApplyThroughModel(existing, new Dictionary<string, long> { ["like"] = 2, ["new1"] = 3, ["new2"] = 4 }, cap: 2);

        Assert.That(agent["reactions"], Is.EqualTo(new BsonDocument { { "like", 7L }, { "heart", 1L }, { "other", 7L } }));
    }

    [Test]
    public void Model_ARealReactionNamedOther_SharesTheOtherCounter()
    {
        var existing = new BsonDocument { { "_id", "agent-1" }, { "reactions", new BsonDocument("like", 1L) } };

        var agent = ApplyThroughModel(existing, new Dictionary<string, long> { ["other"] = 2, ["zzz"] = 3 }, cap: 2);

        Assert.That(agent["reactions"], Is.EqualTo(new BsonDocument { { "like", 1L }, { "other", 5L } }),
            "'other' took the last free name, then 'zzz' found no room and added to it");
    }

    [Test]
    public void Model_MatchesApplyingTheNamesOneByOne_OnRandomAgentsAndContributions()
    {
        var random = new Random(20261123);
        string[] alphabet = ["a", "b", "c", "d", "e", "f", "g", "other", "unknown", "x.y", "Z"];
        for (int round = 0; round < 2000; round++)
        {
            int cap = random.Next(1, 7);
            var existing = new BsonDocument("_id", "agent-1");
            if (random.Next(4) > 0)
            {
                var reactions = new BsonDocument();
                foreach (var name in alphabet.Where(_ => random.Next(3) == 0).Take(random.Next(0, cap + 3)))
                {
                    reactions[MongoWriteModels.ReactionField(name)] = (long)random.Next(1, 50);
                }

                existing["reactions"] = reactions;
            }

            var contribution = alphabet.Where(_ => random.Next(2) == 0).ToDictionary(n => n, _ => (long)random.Next(1, 9));
            var expected = OneByOne(existing, contribution, cap);

            var actual = ApplyThroughModel(existing, contribution, cap);

            Assert.That(actual.GetValue("reactions", null), Is.EqualTo(expected),
                $"round {round}: cap {cap}, agent {existing.ToJson()}, contribution {string.Join(",", contribution.Select(c => $"{c.Key}={c.Value}"))}");
        }
    }

    [Test]
    public void Model_AddsEventsAndReplies_KeepsTheLaterTime_AndAppendsTheBatchKeyWithoutCuttingTheWindow()
    {
        var earlier = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        var later = new DateTime(2026, 11, 2, 0, 0, 0, DateTimeKind.Utc);
        var existing = new BsonDocument
        {
            { "_id", "agent-1" }, { "events", 10L }, { "replies", 4L }, { "lastFeedbackAt", later },
            { "appliedBatches", new BsonArray { "k1@1", "k2@2", "k3@3" } },
        };
        var contribution = new AgentContribution("agent-1", 3, 1, new Dictionary<string, long> { ["like"] = 2 }, new DateTimeOffset(earlier));
        var update = Render(MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast("k4@4", 4), maxReactionNames: 100, Now).Update).AsBsonArray;

        var fresh = ExpressionModel.ApplySetPipeline(update, new BsonDocument("_id", "agent-1"));
        var grown = ExpressionModel.ApplySetPipeline(update, existing);

        Assert.Multiple(() =>
        {
            Assert.That(grown["events"].ToInt64(), Is.EqualTo(13));
            Assert.That(grown["replies"].ToInt64(), Is.EqualTo(5));
            Assert.That(grown["lastFeedbackAt"].ToUniversalTime(), Is.EqualTo(later), "an older batch never moves the time back");
            Assert.That(grown["appliedBatches"], Is.EqualTo(new BsonArray { "k1@1", "k2@2", "k3@3", "k4@4" }), "only compaction removes keys, after writing their records");
            Assert.That(grown["updatedAt"].ToUniversalTime(), Is.EqualTo(Now));
            Assert.That(fresh["events"].ToInt64(), Is.EqualTo(3), "a document just made by EnsureAgent has no counters yet");
            Assert.That(fresh["lastFeedbackAt"].ToUniversalTime(), Is.EqualTo(earlier));
            Assert.That(fresh["appliedBatches"], Is.EqualTo(new BsonArray { "k4@4" }));
            Assert.That(fresh["reactions"], Is.EqualTo(new BsonDocument("like", 2L)));
        });
    }

    /// <summary>The rule as the brief states it: each name in sorted order, a key or room below the cap, else other.</summary>
    private static BsonDocument? OneByOne(BsonDocument agent, IReadOnlyDictionary<string, long> contribution, int cap)
    {
        var (named, _) = ReactionCap.Prepare(contribution);
        if (named.Count == 0)
        {
            return agent.GetValue("reactions", null)?.AsBsonDocument;
        }

        var reactions = agent.GetValue("reactions", new BsonDocument()).DeepClone().AsBsonDocument;
        foreach (var (name, count) in named)
        {
            string field = reactions.Contains(name) || reactions.ElementCount < cap ? name : ReactionCap.OtherField;
            reactions[field] = reactions.GetValue(field, 0L).ToInt64() + count;
        }

        return reactions;
    }

    private static BsonDocument ApplyThroughModel(BsonDocument agent, IReadOnlyDictionary<string, long> reactions, int cap)
    {
        var contribution = new AgentContribution("agent-1", reactions.Values.Sum(), 0, reactions, null);
        var update = Render(MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast("agent-1:7@1795435210000", 1795435210000), cap, Now).Update).AsBsonArray;
        return ExpressionModel.ApplySetPipeline(update, agent);
    }

    private static BsonValue Render(UpdateDefinition<BsonDocument> update) =>
        update.Render(new RenderArgs<BsonDocument>(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry));
}
