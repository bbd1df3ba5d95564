using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FeedbackRedis.Flushing;
using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Flushing;

[Category(TestCategories.Unit)]
public sealed class FlushedBatchMessageTests
{
    /// <summary>The JSON budget under the default producer limit.</summary>
    private static readonly int DefaultMaxJson = KafkaFlushedBatchPublisher.MaxJsonBytes(new FlusherOptions().AnnouncementMaxBytes);

    [Test]
    public void Json_HasTheDocumentedCamelCaseFields()
    {
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:42", [TestFeedback.Item("agent-7", "e-1"), TestFeedback.Item("agent-7", "e-2", "reaction", "like")]));
        var message = FlushedBatchMessage.From(batch, "mongodb", TestStores.Start.AddSeconds(11));

        using var json = JsonDocument.Parse(message.ToJson());
        var root = json.RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
            {
                "batchId", "agentId", "agentIds", "eventCount", "trigger", "firstEventAt", "lastEventAt", "eventIds",
                "openedAt", "sealedAt", "flushedAt", "attempt", "sink",
                "agentCount", "eventIdsOmitted", "eventIdsSha256", "agentIdsOmitted", "agentIdsSha256", "batchKey",
            }));
            Assert.That(root.GetProperty("batchKey").GetString(), Is.EqualTo($"agent-7:42@{TestStores.Start.AddSeconds(10).ToUnixTimeMilliseconds()}"));
            Assert.That(root.GetProperty("batchId").GetString(), Is.EqualTo("agent-7:42"));
            Assert.That(root.GetProperty("trigger").GetString(), Is.EqualTo("size"));
            Assert.That(root.GetProperty("eventCount").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "e-1", "e-2" }));
            Assert.That(root.GetProperty("agentCount").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("eventIdsOmitted").GetBoolean(), Is.False);
            Assert.That(root.GetProperty("agentIdsOmitted").GetBoolean(), Is.False);
            Assert.That(root.GetProperty("eventIdsSha256").GetString(), Is.EqualTo(Sha256Lines(["e-1", "e-2"])));
            Assert.That(root.GetProperty("agentIdsSha256").GetString(), Is.EqualTo(Sha256Lines(["agent-7"])));
            Assert.That(FlushedBatchMessage.FromJson(message.ToJson())!.EventIds, Is.EqualTo(message.EventIds));
            Assert.That(message.Key, Is.EqualTo("agent-7"));
        });
    }

    [Test]
    public void GlobalLaneBatch_HasNoAgentId_ListsItsAgents_AndIsKeyedByBatchId()
    {
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("#global-3:9", [TestFeedback.Item("b", "e-1"), TestFeedback.Item("a", "e-2"), TestFeedback.Item("b", "e-3")]));

        var message = FlushedBatchMessage.From(batch, "file", TestStores.Start);

        Assert.Multiple(() =>
        {
            Assert.That(message.AgentId, Is.Null);
            Assert.That(message.AgentIds, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(message.AgentCount, Is.EqualTo(2));
            Assert.That(message.Key, Is.EqualTo("#global-3:9"));
            Assert.That(message.ToJson(), Does.Contain("\"agentId\":null"));
        });
    }

    [Test]
    public void Read_AnnouncementFromBeforeTheSummaryFields_StillReads()
    {
        const string old = """
            {"batchId":"agent-7:42","agentId":"agent-7","agentIds":["agent-7"],"eventCount":3,"trigger":"size",
             "firstEventAt":"2026-11-23T11:55:00+00:00","lastEventAt":"2026-11-23T11:55:02+00:00",
             "eventIds":["e-2","e-1","e-3"],"openedAt":"2026-11-23T12:00:00+00:00","sealedAt":"2026-11-23T12:00:00.310+00:00",
             "flushedAt":"2026-11-23T12:00:01.020+00:00","attempt":1,"sink":"mongodb"}
            """;

        var message = FlushedBatchMessage.FromJson(old)!;

        Assert.Multiple(() =>
        {
            Assert.That(message.EventIds, Is.EqualTo(new[] { "e-2", "e-1", "e-3" }));
            Assert.That(message.EventIdsOmitted, Is.False);
            Assert.That(message.AgentIdsOmitted, Is.False);
            Assert.That(message.EventIdsSha256, Is.Null);
            Assert.That(message.BatchKey, Is.Null, "written before batchKey was added");
        });
    }

    [Test]
    public void BatchKey_IsTheKeyTheMongoDbSinkUses_AndTellsApartABatchIdThatRedisHandedOutAgain()
    {
        var first = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:42", [TestFeedback.Item("agent-7", "e-1")], sealedAt: TestStores.Start.AddSeconds(10)));
        var reissued = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:42", [TestFeedback.Item("agent-7", "e-9")], sealedAt: TestStores.Start.AddMinutes(5)));

        var a = FlushedBatchMessage.From(first, "mongodb", TestStores.Start);
        var b = FlushedBatchMessage.From(reissued, "file", TestStores.Start);

        Assert.Multiple(() =>
        {
            Assert.That(a.BatchId, Is.EqualTo(b.BatchId), "after Redis data loss the counter hands the id out again");
            Assert.That(a.BatchKey, Is.Not.EqualTo(b.BatchKey));
            Assert.That(a.BatchKey, Is.EqualTo(MongoWriteModels.BatchKey(first)));
            Assert.That(b.BatchKey, Is.EqualTo($"agent-7:42@{TestStores.Start.AddMinutes(5).ToUnixTimeMilliseconds()}"), "whatever the sink");
            Assert.That(FlushedBatchMessage.FromJson(a.ToJson())!.BatchKey, Is.EqualTo(a.BatchKey));
        });
    }

    [Test]
    public void Announcement_OfASmallBatch_ListsItsIds()
    {
        var message = FlushedBatchMessage.From(Batch("agent-7:1", 50, _ => "agent-7"), "mongodb", TestStores.Start);

        var fitted = message.Fit(DefaultMaxJson);

        Assert.Multiple(() =>
        {
            Assert.That(fitted.EventIdsOmitted, Is.False);
            Assert.That(fitted.AgentIdsOmitted, Is.False);
            Assert.That(fitted.EventIds, Is.EqualTo(message.EventIds));
            Assert.That(fitted.EventIds, Has.Count.EqualTo(50));
        });
    }

    [Test]
    public void Announcement_Of100000Events_FitsWithoutItsEventIdsAndRoundTrips()
    {
        var batch = Batch("agent-7:9", 100_000, _ => "agent-7");
        var message = FlushedBatchMessage.From(batch, "mongodb", TestStores.Start);
        Assert.That(message.JsonBytes(), Is.GreaterThan(DefaultMaxJson), "the listed form would not fit: the test must cut");

        var fitted = message.Fit(DefaultMaxJson);
        string json = fitted.ToJson();
        var read = FlushedBatchMessage.FromJson(json)!;

        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetByteCount(json), Is.LessThanOrEqualTo(DefaultMaxJson));
            Assert.That(read.ToJson(), Is.EqualTo(json), "round trip");
            Assert.That(read.EventIdsOmitted, Is.True);
            Assert.That(read.EventIds, Is.Empty);
            Assert.That(read.EventCount, Is.EqualTo(100_000));
            Assert.That(read.EventIdsSha256, Is.EqualTo(Sha256Lines(batch.Events.Select(e => e.EventId))));
            Assert.That(read.AgentIdsOmitted, Is.False, "one agent still fits");
            Assert.That(read.AgentIds, Is.EqualTo(new[] { "agent-7" }));
            Assert.That(read.BatchId, Is.EqualTo("agent-7:9"));
            Assert.That(read.BatchKey, Is.EqualTo(message.BatchKey), "the summary form keeps the batch key");
        });
    }

    [Test]
    public void Announcement_Of100000LongAgents_LeavesOutBothListsAndFits()
    {
        static string Agent(int i) => $"{i:D8}".PadRight(AgentIds.MaxLength, 'x');
        var batch = Batch("#global-0:3", 100_000, Agent);
        var message = FlushedBatchMessage.From(batch, "mongodb", TestStores.Start);

        var fitted = message.Fit(DefaultMaxJson);
        var read = FlushedBatchMessage.FromJson(fitted.ToJson())!;

        Assert.Multiple(() =>
        {
            Assert.That(fitted.JsonBytes(), Is.LessThanOrEqualTo(DefaultMaxJson));
            Assert.That(read.EventIdsOmitted && read.AgentIdsOmitted, Is.True);
            Assert.That(read.AgentIds, Is.Empty);
            Assert.That(read.AgentCount, Is.EqualTo(100_000));
            Assert.That(read.AgentIdsSha256, Is.EqualTo(Sha256Lines(Enumerable.Range(0, 100_000).Select(Agent).Order(StringComparer.Ordinal))));
            Assert.That(fitted.JsonBytes(), Is.LessThanOrEqualTo(FlushedBatchMessage.WorstCaseSummaryBytes(100_000)));
        });
    }

    [Test]
    public void Announcement_AtExactlyTheThreshold_ListsTheIdsAndOneByteBelowLeavesThemOut()
    {
        var message = FlushedBatchMessage.From(Batch("#global-1:5", 40, i => $"agent-{i % 7}"), "file", TestStores.Start);
        int listed = message.JsonBytes();

        var atThreshold = message.Fit(listed);
        var below = message.Fit(listed - 1);

        Assert.Multiple(() =>
        {
            Assert.That(atThreshold, Is.SameAs(message));
            Assert.That(atThreshold.EventIds, Has.Count.EqualTo(40));
            Assert.That(below.EventIdsOmitted, Is.True);
            Assert.That(below.AgentIdsOmitted, Is.False, "the agents still fit");
            Assert.That(below.JsonBytes(), Is.LessThanOrEqualTo(listed - 1));
        });
    }

    [Test]
    public void Announcement_AtExactlyTheSizeWithoutEventIds_ListsTheAgentsAndOneByteBelowNot()
    {
        var message = FlushedBatchMessage.From(Batch("#global-1:6", 40, i => $"agent-{i % 7}"), "file", TestStores.Start);
        int withAgents = (message with { EventIds = [], EventIdsOmitted = true }).JsonBytes();

        var atThreshold = message.Fit(withAgents);
        var below = message.Fit(withAgents - 1);

        Assert.Multiple(() =>
        {
            Assert.That(atThreshold.EventIdsOmitted, Is.True);
            Assert.That(atThreshold.AgentIdsOmitted, Is.False);
            Assert.That(atThreshold.AgentIds, Has.Count.EqualTo(7));
            Assert.That(atThreshold.JsonBytes(), Is.EqualTo(withAgents));
            Assert.That(below.AgentIdsOmitted, Is.True);
            Assert.That(below.AgentIds, Is.Empty);
            Assert.That(below.AgentCount, Is.EqualTo(7));
        });
    }

    [Test]
    public void WorstCaseSummary_AgainstARealOneWithTheLongestFields_IsABound()
    {
        string agent = new('z', AgentIds.MaxLength);
        var batch = Batch($"{agent}:{long.MaxValue}", 100_000, _ => agent, attempt: 100);
        var summary = FlushedBatchMessage.From(batch, "mongodb", new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.FromHours(-9.5)).AddTicks(1234567)).Fit(0);

        Assert.That(summary.JsonBytes(), Is.LessThanOrEqualTo(FlushedBatchMessage.WorstCaseSummaryBytes(100_000)));
    }

    /// <summary>SHA-256 over each id followed by a line feed, computed here independently of the code under test.</summary>
    private static string Sha256Lines(IEnumerable<string> ids) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(ids.Select(i => i + "\n"))))).ToLowerInvariant();

    /// <summary>A batch of <paramref name="count"/> events with GUID-like ids, built in memory (no item parsing).</summary>
    private static FeedbackBatch Batch(string batchId, int count, Func<int, string> agentOf, int attempt = 1)
    {
        var events = Enumerable.Range(0, count)
            .Select(i => new ClaimedEvent($"{i:D8}-0000-4000-8000-{i:D12}", agentOf(i), FeedbackType.Reply, null, TestStores.Start.AddMilliseconds(i), null, default, i))
            .ToList();
        return new FeedbackBatch(TestFeedback.Claimed(batchId, [], attempt), events);
    }
}
