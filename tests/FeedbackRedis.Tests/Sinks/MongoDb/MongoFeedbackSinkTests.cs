using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>
/// The MongoDB sink against a real server (<see cref="MongoTestServer"/>); skipped with the reason where none exists.
/// Each test uses its own database.
/// </summary>
[Category("MongoDB")]
public sealed class MongoFeedbackSinkTests
{
    private MongoClient? _client;
    private string _database = "";

    [SetUp]
    public async Task ConnectAsync()
    {
        string uri = await MongoTestServer.UriOrIgnoreAsync();
        _client = new MongoClient(uri);
        _database = "feedback_test_" + Guid.NewGuid().ToString("N")[..12];
    }

    [TearDown]
    public async Task DropAsync()
    {
        if (_client is not null)
        {
            await _client.DropDatabaseAsync(_database);
            _client.Dispose();
        }
    }

    [Test]
    public async Task Prepare_CreatesTheIndexes()
    {
        var sink = Sink();

        await sink.PrepareAsync(CancellationToken.None);

        var names = await (await Events.Indexes.ListAsync()).ToListAsync();
        Assert.That(names.Select(i => i["name"].AsString), Is.SupersetOf(new[] { "_id_", "batchId_1", "agentId_1_occurredAt_-1" }));
    }

    [Test]
    public async Task SameEventInTwoBatches_IsStoredOnce_KeyedByItsId_AndCountedOnce()
    {
        var sink = Sink();
        var first = Batch("agent-1:1", 1, TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2", "reaction", "like"));
        var redelivered = Batch("agent-1:2", 2, TestFeedback.Item("agent-1", "e-2", "reaction", "like"), TestFeedback.Item("agent-1", "e-3"));

        var results = await sink.WriteAsync([first, redelivered], CancellationToken.None);

        var e2 = await Events.Find(new BsonDocument("_id", "e-2")).SingleAsync();
        var agent = await Agents.Find(new BsonDocument("_id", "agent-1")).SingleAsync();
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Written));
            Assert.That(Events.CountDocuments(FilterDefinition<BsonDocument>.Empty), Is.EqualTo(3));
            Assert.That(e2["batchId"].AsString, Is.EqualTo("agent-1:1"), "the batch that wrote it first");
            Assert.That(agent["events"].ToInt64(), Is.EqualTo(3));
            Assert.That(agent["replies"].ToInt64(), Is.EqualTo(2));
            Assert.That(agent["reactions"]["like"].ToInt64(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AnIdAlreadyStoredForAnotherAgent_KeepsTheFirst_CountsItOnce_AndIsReportedAsAConflict()
    {
        var sink = Sink();
        await sink.WriteAsync([Batch("agent-1:1", 1, TestFeedback.Item("agent-1", "e-1"))], CancellationToken.None);

        var results = await sink.WriteAsync([Batch("agent-2:1", 2, TestFeedback.Item("agent-2", "e-1"), TestFeedback.Item("agent-2", "e-2"))], CancellationToken.None);

        var e1 = await Events.Find(new BsonDocument("_id", "e-1")).SingleAsync();
        var agent2 = await Agents.Find(new BsonDocument("_id", "agent-2")).SingleAsync();
        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(results.Single().IdConflicts, Is.EqualTo(1));
            Assert.That(e1["agentId"].AsString, Is.EqualTo("agent-1"), "the first stored stays");
            Assert.That(agent2["events"].ToInt64(), Is.EqualTo(1), "only e-2 counts for agent-2");
        });
    }

    [Test]
    public async Task ReplayOfAWrittenBatch_ChangesNoDocument()
    {
        var sink = Sink();
        var batch = Batch("agent-1:1", 1, TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2", "reaction", "heart"));
        await sink.WriteAsync([batch], CancellationToken.None);
        var eventsBefore = await Events.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var agentBefore = await Agents.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync();

        var replay = await Sink(new FakeTimeProvider(TestStores.Start.AddHours(1))).WriteAsync([batch], CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(replay.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(await Events.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(), Is.EqualTo(eventsBefore));
            Assert.That(await Agents.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(), Is.EqualTo(agentBefore));
        });
    }

    [Test]
    public async Task Aggregates_AfterACrashBetweenEveryStep_CountEachEventOnce()
    {
        var now = TestStores.Start.UtcDateTime;
        var a = Batch("agent-1:1", 1, TestFeedback.Item("agent-1", "a-1"), TestFeedback.Item("agent-1", "a-2", "reaction", "like"));
        var b = Batch("agent-1:2", 2, TestFeedback.Item("agent-1", "b-1"));
        var c = Batch("agent-1:3", 3, TestFeedback.Item("agent-1", "c-1"));

        // a: crashed after writing its events, before any aggregate
        await Events.BulkWriteAsync(a.Events.Select(e => MongoWriteModels.EventUpsert(e, a, now)));
        // b: crashed after its aggregate, before its batch marker
        await Events.BulkWriteAsync(b.Events.Select(e => MongoWriteModels.EventUpsert(e, b, now)));
        await Agents.BulkWriteAsync([MongoWriteModels.EnsureAgent("agent-1", now)]);
        await Agents.BulkWriteAsync([MongoWriteModels.ApplyContribution(
            MongoWriteModels.Contributions(b, new HashSet<string> { "b-1" }).Single(), ApplyGuard.Fast(MongoWriteModels.BatchKey(b), MongoWriteModels.SealedAtMs(b)), 100, now)]);
        // c: fully written before; re-flushed after its ack was lost
        await Sink().WriteAsync([c], CancellationToken.None);

        var results = await Sink().WriteAsync([a, b, c], CancellationToken.None);
        await Sink().WriteAsync([a, b, c], CancellationToken.None);

        var agent = await Agents.Find(new BsonDocument("_id", "agent-1")).SingleAsync();
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Written));
            Assert.That(agent["events"].ToInt64(), Is.EqualTo(4));
            Assert.That(agent["replies"].ToInt64(), Is.EqualTo(3));
            Assert.That(agent["reactions"]["like"].ToInt64(), Is.EqualTo(1));
            Assert.That(agent["appliedBatches"].AsBsonArray, Has.Count.EqualTo(3));
            Assert.That(Batches.CountDocuments(FilterDefinition<BsonDocument>.Empty), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task BulkOf10000Events_IsWrittenAsOneGroup_AndEveryEventCounted()
    {
        var sink = Sink();
        var batches = Enumerable.Range(0, 100)
            .Select(i => Batch($"agent-{i % 10}:{i}", i, [.. Enumerable.Range(0, 100).Select(e => TestFeedback.Item($"agent-{i % 10}", $"{i}-{e}", e % 2 == 0 ? "reply" : "reaction", "like"))]))
            .ToList();

        var results = await sink.WriteAsync(batches, CancellationToken.None);

        var agents = await Agents.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Written));
            Assert.That(Events.CountDocuments(FilterDefinition<BsonDocument>.Empty), Is.EqualTo(10_000));
            Assert.That(agents.Sum(d => d["events"].ToInt64()), Is.EqualTo(10_000));
            Assert.That(agents, Has.Count.EqualTo(10));
        });
    }

    [Test]
    public async Task ReactionNames_PastTheCap_AreCountedUnderOther_EveryCountKept()
    {
        var sink = Sink();
        var items = Enumerable.Range(0, 150).Select(i => TestFeedback.Item("agent-1", $"e-{i}", "reaction", $"r{i:D3}")).ToList();
        items.Add(TestFeedback.Item("agent-1", "e-again", "reaction", "r149"));
        items.Add(TestFeedback.Item("agent-1", "e-first", "reaction", "r000"));

        var results = await sink.WriteAsync([Batch("agent-1:1", 1, [.. items])], CancellationToken.None);

        var reactions = (await Agents.Find(new BsonDocument("_id", "agent-1")).SingleAsync())["reactions"].AsBsonDocument;
        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(reactions.Names.Where(n => n != "other"), Is.EquivalentTo(Enumerable.Range(0, 100).Select(i => $"r{i:D3}")), "the first 100 names in sorted order");
            Assert.That(reactions["r000"].ToInt64(), Is.EqualTo(2));
            Assert.That(reactions["other"].ToInt64(), Is.EqualTo(51), "r100 to r149, r149 twice");
            Assert.That(reactions.Values.Sum(v => v.ToInt64()), Is.EqualTo(152));
        });
    }

    [Test]
    public async Task ConcurrentBatchesOfOneAgent_NeverPassTheCap_AndLoseNoCount()
    {
        var options = new MongoSinkOptions { Database = _database, MaxReactionNames = 10 };
        var batches = Enumerable.Range(0, 8)
            .Select(b => Batch($"agent-1:{b}", b, [.. Enumerable.Range(0, 6).Select(i => TestFeedback.Item("agent-1", $"e-{b}-{i}", "reaction", $"n{(b * 6) + i:D2}"))]))
            .ToList();

        await Task.WhenAll(batches.Select(b => Sink(options: options).WriteAsync([b], CancellationToken.None)));

        var agent = await Agents.Find(new BsonDocument("_id", "agent-1")).SingleAsync();
        var reactions = agent["reactions"].AsBsonDocument;
        Assert.Multiple(() =>
        {
            Assert.That(reactions.ElementCount, Is.EqualTo(11), "10 names and other: each update saw the names the others had added");
            Assert.That(reactions.Values.Sum(v => v.ToInt64()), Is.EqualTo(48));
            Assert.That(agent["events"].ToInt64(), Is.EqualTo(48));
        });
    }

    [Test]
    public async Task ADocumentTheServerRefuses_IsRefusedAlone_AndTheRestOfItsBatchIsWrittenAndCounted()
    {
        await Database.CreateCollectionAsync("feedback_events", new CreateCollectionOptions<BsonDocument>
        {
            Validator = new BsonDocumentFilterDefinition<BsonDocument>(BsonDocument.Parse("""{ "text": { "$ne": "poison" } }""")),
        });
        var sink = Sink();
        var batch = Batch(
            "agent-1:1",
            1,
            TestFeedback.Item("agent-1", "e-1"),
            """{"eventId":"e-2","agentId":"agent-1","type":"reply","text":"poison"}""",
            """{"eventId":"e-3","agentId":"agent-1","type":"reply","score":1e400}""",
            TestFeedback.Item("agent-1", "e-4", "reaction", "like"));

        var result = (await sink.WriteAsync([batch], CancellationToken.None)).Single();

        var agent = await Agents.Find(new BsonDocument("_id", "agent-1")).SingleAsync();
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(result.RejectedItems.Select(r => r.ItemIndex), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(result.RejectedItems[0].Reason, Does.Contain("121"), "DocumentValidationFailure");
            Assert.That(result.RejectedItems[1].Reason, Does.Contain("not a finite double"));
            Assert.That(Events.CountDocuments(FilterDefinition<BsonDocument>.Empty), Is.EqualTo(2));
            Assert.That(agent["events"].ToInt64(), Is.EqualTo(2), "refused items are left out of the aggregates");
            Assert.That(Batches.Find(FilterDefinition<BsonDocument>.Empty).Single()["rejected"].ToInt32(), Is.EqualTo(2));
        });
    }

    private IMongoDatabase Database => _client!.GetDatabase(_database);

    private IMongoCollection<BsonDocument> Events => Database.GetCollection<BsonDocument>("feedback_events");

    private IMongoCollection<BsonDocument> Agents => Database.GetCollection<BsonDocument>("agent_feedback");

    private IMongoCollection<BsonDocument> Batches => Database.GetCollection<BsonDocument>("flushed_batches");

    private MongoFeedbackSink Sink(TimeProvider? time = null, MongoSinkOptions? options = null) =>
        new(_client!, Options.Create(options ?? new MongoSinkOptions { Database = _database }), time ?? new FakeTimeProvider(TestStores.Start), NullLogger<MongoFeedbackSink>.Instance);

    private static FeedbackBatch Batch(string batchId, int seq, params string[] items) =>
        FeedbackBatch.Read(TestFeedback.Claimed(batchId, items, sealedAt: TestStores.Start.AddSeconds(seq)));
}
