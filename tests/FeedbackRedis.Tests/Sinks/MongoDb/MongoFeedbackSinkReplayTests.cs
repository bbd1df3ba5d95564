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
/// The apply guard, the apply records, majority reads and owner completion against a real server
/// (<see cref="MongoTestServer"/>: <c>FEEDBACK_TEST_MONGODB_URI</c>, else Docker); skipped with the reason where none
/// exists. The majority-read test needs a replica set with a secondary and says so when given anything else. Each test
/// uses its own database.
/// </summary>
[Category("MongoDB")]
public sealed class MongoFeedbackSinkReplayTests
{
    private MongoClient? _client;
    private string _uri = "";
    private string _database = "";

    [SetUp]
    public async Task ConnectAsync()
    {
        _uri = await MongoTestServer.UriOrIgnoreAsync();
        _client = new MongoClient(_uri);
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
    public async Task AMultiAgentBatchWithOneAgentRejected_FixedAndReplayedAfter1100LaterBatchesOfEachAgent_IsCountedOnce()
    {
        await Database.CreateCollectionAsync("agent_feedback", new CreateCollectionOptions<BsonDocument>
        {
            // agent-b's document may exist but may not be counted into: its aggregate update fails persistently
            Validator = new BsonDocumentFilterDefinition<BsonDocument>(BsonDocument.Parse("""{ "$or": [ { "_id": { "$ne": "agent-b" } }, { "events": { "$exists": false } } ] }""")),
        });
        var sink = Sink();
        await sink.PrepareAsync(CancellationToken.None);
        var x = Batch("#global-0:1", TestStores.Start.AddSeconds(1), TestFeedback.Item("agent-a", "x-a"), TestFeedback.Item("agent-b", "x-b"));

        var first = (await sink.WriteAsync([x], CancellationToken.None)).Single();
        Assert.Multiple(async () =>
        {
            Assert.That(first.Outcome, Is.EqualTo(SinkOutcome.Rejected), "agent-b's update is refused (121)");
            Assert.That(await EventsOf("agent-a"), Is.EqualTo(1), "agent-a's share is applied: the batch is half applied, and unmarked");
            Assert.That(await Batches.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty), Is.Zero);
        });

        await Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "collMod", "agent_feedback" }, { "validator", new BsonDocument() } });
        var later = Enumerable.Range(0, 1_100)
            .SelectMany(i => new[] { "agent-a", "agent-b" }.Select(a => Batch($"{a}:{i}", TestStores.Start.AddSeconds(10).AddMilliseconds(i * 10), TestFeedback.Item(a, $"{a}-{i}"))))
            .ToList();
        foreach (var chunk in later.Chunk(200))
        {
            Assert.That((await sink.WriteAsync(chunk, CancellationToken.None)).Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Written));
        }

        var a = await Agent("agent-a");
        var b = await Agent("agent-b");
        long sealedX = MongoWriteModels.SealedAtMs(x);
        Assert.Multiple(async () =>
        {
            Assert.That(a["appliedFloor"].ToInt64(), Is.GreaterThan(sealedX), "agent-a's window no longer holds x: it was compacted into a record");
            Assert.That(await Contributions.CountDocumentsAsync(new BsonDocument("_id", $"{MongoWriteModels.BatchKey(x)}|agent-a")), Is.EqualTo(1));
            Assert.That(b["appliedFloor"].ToInt64(), Is.GreaterThan(sealedX), "x is before agent-b's floor: only the guarded filter may apply it");
            Assert.That(a["appliedBatches"].AsBsonArray, Has.Count.LessThanOrEqualTo(1_000));
        });

        var replay = (await sink.WriteAsync([x], CancellationToken.None)).Single();
        var again = (await sink.WriteAsync([x], CancellationToken.None)).Single();

        Assert.Multiple(async () =>
        {
            Assert.That(replay.Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(again.Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(await EventsOf("agent-a"), Is.EqualTo(1_101), "x's share of agent-a counted once, its record found");
            Assert.That(await EventsOf("agent-b"), Is.EqualTo(1_101), "x's missing share of agent-b completed, once");
            Assert.That(await Batches.CountDocumentsAsync(new BsonDocument("_id", MongoWriteModels.BatchKey(x))), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AStalledWritersApply_ArrivingAfterItsKeyWasCompacted_MatchesNothing()
    {
        var sink = Sink();
        var x = Batch("agent-a:0", TestStores.Start.AddSeconds(1), TestFeedback.Item("agent-a", "x-1"));
        await sink.WriteAsync([x], CancellationToken.None);
        var contribution = MongoWriteModels.Contributions(x, new HashSet<string> { "x-1" }).Single();
        var fast = MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Fast(MongoWriteModels.BatchKey(x), MongoWriteModels.SealedAtMs(x)), 100, TestStores.Start.UtcDateTime);
        var staleEpoch = MongoWriteModels.ApplyContribution(contribution, ApplyGuard.Guarded(MongoWriteModels.BatchKey(x), MongoWriteModels.SealedAtMs(x), BsonNull.Value), 100, TestStores.Start.UtcDateTime);
        var later = Enumerable.Range(1, 1_100).Select(i => Batch($"agent-a:{i}", TestStores.Start.AddSeconds(10).AddMilliseconds(i), TestFeedback.Item("agent-a", $"a-{i}"))).ToList();
        foreach (var chunk in later.Chunk(250))
        {
            await sink.WriteAsync(chunk, CancellationToken.None);
        }

        // the operations a flusher stalled before the compaction had on the wire
        var fastResult = await Agents.BulkWriteAsync([fast]);
        var guardedResult = await Agents.BulkWriteAsync([staleEpoch]);

        Assert.Multiple(async () =>
        {
            Assert.That(fastResult.MatchedCount, Is.Zero, "x is at or before the floor now");
            Assert.That(guardedResult.MatchedCount, Is.Zero, "the epoch it read is gone");
            Assert.That(await EventsOf("agent-a"), Is.EqualTo(1_101));
        });
    }

    [Test]
    public async Task AStaleWritersUnreplicatedMarker_IsInvisibleToTheSinksDecidingReads_AndTheBatchEndsCountedOnce()
    {
        var secondaries = await SecondariesOrIgnoreAsync();
        var sink = Sink();
        await sink.PrepareAsync(CancellationToken.None);
        var x = Batch("agent-1:1", TestStores.Start.AddSeconds(1), TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2", "reaction", "like"));
        var now = TestStores.Start.UtcDateTime;
        var w1 = Database.WithWriteConcern(WriteConcern.W1);
        var deciding = sink.DecidingReads.Single(c => c.CollectionNamespace.CollectionName == "flushed_batches");

        await using (var locks = await FsyncLock.AcquireAsync(_uri, secondaries))
        {
            await ProbeHeldBackOrIgnoreAsync(w1);

            // A flusher whose lease was taken over writes everything, but only the primary has it.
            await w1.GetCollection<BsonDocument>("feedback_events").BulkWriteAsync(x.Events.Select(e => MongoWriteModels.EventUpsert(e, x, now)));
            await w1.GetCollection<BsonDocument>("agent_feedback").BulkWriteAsync([MongoWriteModels.EnsureAgent("agent-1", now)]);
            await w1.GetCollection<BsonDocument>("agent_feedback").BulkWriteAsync([MongoWriteModels.ApplyContribution(
                MongoWriteModels.Contributions(x, new HashSet<string> { "e-1", "e-2" }).Single(), ApplyGuard.Fast(MongoWriteModels.BatchKey(x), MongoWriteModels.SealedAtMs(x)), 100, now)]);
            await w1.GetCollection<BsonDocument>("flushed_batches").BulkWriteAsync([MongoWriteModels.BatchMarker(x, 2, ["agent-1"], 0, now)]);

            var local = await Database.GetCollection<BsonDocument>("flushed_batches").WithReadConcern(ReadConcern.Local).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
            var majority = await deciding.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
            Assert.Multiple(() =>
            {
                Assert.That(local, Is.EqualTo(1), "the primary has the stale writer's marker");
                Assert.That(majority, Is.Zero, "the sink's marker read does not: a failover could still roll it back");
            });

            locks.ReleaseAfter(TimeSpan.FromSeconds(2)); // the lease holder's write waits for a majority, then completes
            var result = (await sink.WriteAsync([x], CancellationToken.None)).Single();
            Assert.That(result.Outcome, Is.EqualTo(SinkOutcome.Written));
        }

        var agent = await Agent("agent-1");
        Assert.Multiple(() =>
        {
            Assert.That(agent["events"].ToInt64(), Is.EqualTo(2), "counted once: the lease holder's apply matched the stale writer's key");
            Assert.That(agent["reactions"]["like"].ToInt64(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task EventsOfADroppedOwner_AreCountedByTheNextBatchCarryingOne_AndOnlyOnce_EvenWhenTheOwnerIsWrittenLater()
    {
        var start = TestStores.Start.UtcDateTime;
        var owner = Batch("agent-1:1", TestStores.Start, TestFeedback.Item("agent-1", "x-1"), TestFeedback.Item("agent-1", "x-2", "reaction", "like"), TestFeedback.Item("agent-1", "x-3"));
        await Events.BulkWriteAsync(owner.Events.Select(e => MongoWriteModels.EventUpsert(e, owner, start))); // then the owner is dropped
        var later = TestStores.Start.AddHours(2);
        var carrier = Batch("agent-1:2", later.AddSeconds(-10), TestFeedback.Item("agent-1", "x-2", "reaction", "like"), TestFeedback.Item("agent-1", "y-1"));
        var young = Batch("agent-1:3", later.AddMinutes(-10), TestFeedback.Item("agent-1", "w-1"));
        await Events.BulkWriteAsync(young.Events.Select(e => MongoWriteModels.EventUpsert(e, young, start))); // sealed 10 minutes ago: maybe alive
        var carrierOfYoung = Batch("agent-1:4", later.AddSeconds(-5), TestFeedback.Item("agent-1", "w-1"));
        var sink = Sink(new FakeTimeProvider(later));

        var results = await sink.WriteAsync([carrier, carrierOfYoung], CancellationToken.None);

        var agent = await Agent("agent-1");
        Assert.Multiple(async () =>
        {
            Assert.That(results.Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Written));
            Assert.That(agent["events"].ToInt64(), Is.EqualTo(4), "x-1, x-2, x-3 on the owner's behalf, y-1 for the carrier; w-1 waits for its young owner");
            Assert.That(agent["replies"].ToInt64(), Is.EqualTo(3));
            Assert.That(agent["reactions"]["like"].ToInt64(), Is.EqualTo(1));
            Assert.That((await Events.Find(new BsonDocument("_id", "x-2")).SingleAsync())["batchId"].AsString, Is.EqualTo("agent-1:1"), "the event keeps naming its owner");
        });

        var stalledOwner = await sink.WriteAsync([owner], CancellationToken.None); // a flusher that still held it
        var anotherCarrier = await sink.WriteAsync([Batch("agent-1:5", later.AddSeconds(-1), TestFeedback.Item("agent-1", "x-1"))], CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(stalledOwner.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(anotherCarrier.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(await EventsOf("agent-1"), Is.EqualTo(4), "the owner's share was applied once, under its own key");
        });
    }

    [Test]
    public async Task Prepare_CreatesTheApplyRecordsTtl_AndChangesItWhenTheRetentionChanges()
    {
        await Sink().PrepareAsync(CancellationToken.None);
        var before = await TtlAsync();

        await Sink(options: new MongoSinkOptions { Database = _database, ContributionRetentionDays = 45 }).PrepareAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(before, Is.EqualTo(TimeSpan.FromDays(30).TotalSeconds));
            Assert.That(await TtlAsync(), Is.EqualTo(TimeSpan.FromDays(45).TotalSeconds));
        });
    }

    [Test]
    public async Task ABatchSealedPastTheRetentionHorizon_IsRejectedWithTheReason_UnlessItIsMarkedAlready()
    {
        var marked = Batch("agent-1:1", TestStores.Start, TestFeedback.Item("agent-1", "e-1"));
        var unmarked = Batch("agent-1:2", TestStores.Start, TestFeedback.Item("agent-1", "e-2"));
        await Sink().WriteAsync([marked], CancellationToken.None);
        var sink = Sink(new FakeTimeProvider(TestStores.Start.AddDays(29).AddMinutes(1)));

        var results = await sink.WriteAsync([marked, unmarked], CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(results[0].Outcome, Is.EqualTo(SinkOutcome.Written), "marked: nothing to apply, nothing to guard");
            Assert.That(results[1].Outcome, Is.EqualTo(SinkOutcome.Rejected));
            Assert.That(results[1].Reason, Does.Contain("could count it twice"));
            Assert.That(await EventsOf("agent-1"), Is.EqualTo(1));
        });
    }

    private IMongoDatabase Database => _client!.GetDatabase(_database);

    private IMongoCollection<BsonDocument> Events => Database.GetCollection<BsonDocument>("feedback_events");

    private IMongoCollection<BsonDocument> Agents => Database.GetCollection<BsonDocument>("agent_feedback");

    private IMongoCollection<BsonDocument> Batches => Database.GetCollection<BsonDocument>("flushed_batches");

    private IMongoCollection<BsonDocument> Contributions => Database.GetCollection<BsonDocument>("applied_contributions");

    private async Task<BsonDocument> Agent(string agentId) => await Agents.Find(new BsonDocument("_id", agentId)).SingleAsync();

    private async Task<long> EventsOf(string agentId) => (await Agent(agentId)).GetValue("events", 0L).ToInt64();

    private async Task<double> TtlAsync()
    {
        var indexes = await (await Contributions.Indexes.ListAsync()).ToListAsync();
        return indexes.Single(i => i["name"] == "sealedAt_ttl")["expireAfterSeconds"].ToDouble();
    }

    private MongoFeedbackSink Sink(TimeProvider? time = null, MongoSinkOptions? options = null) =>
        new(_client!, Options.Create(options ?? new MongoSinkOptions { Database = _database }), time ?? new FakeTimeProvider(TestStores.Start), NullLogger<MongoFeedbackSink>.Instance);

    private static FeedbackBatch Batch(string batchId, DateTimeOffset sealedAt, params string[] items) =>
        FeedbackBatch.Read(TestFeedback.Claimed(batchId, items, sealedAt: sealedAt));

    /// <summary>The secondaries of the replica set under test, or the test is skipped saying what it needs.</summary>
    private async Task<IReadOnlyList<string>> SecondariesOrIgnoreAsync()
    {
        var hello = await _client!.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1));
        var secondaries = hello.Contains("setName") && hello.TryGetValue("hosts", out var hosts)
            ? hosts.AsBsonArray.Select(h => h.AsString).Where(h => h != hello["primary"].AsString).ToList()
            : [];
        if (secondaries.Count == 0)
        {
            Assert.Ignore($"needs a replica set with at least one secondary (set {MongoTestServer.UriVariable} to one): "
                + "only then can a write exist on the primary alone, which is what majority reads must not see");
        }

        return secondaries;
    }

    /// <summary>Checks that the locked secondaries hold replication back; if they do not, the test cannot show anything.</summary>
    private static async Task ProbeHeldBackOrIgnoreAsync(IMongoDatabase w1)
    {
        var probe = w1.GetCollection<BsonDocument>("probe");
        await probe.InsertOneAsync(new BsonDocument("_id", "probe"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        if (await probe.WithReadConcern(ReadConcern.Majority).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty) > 0)
        {
            Assert.Ignore("fsyncLock on the secondaries did not hold replication back on this deployment; the majority read cannot be shown");
        }
    }

    /// <summary><c>fsync</c> with <c>lock: true</c> on each secondary (direct connections), released on dispose or after a delay.</summary>
    private sealed class FsyncLock : IAsyncDisposable
    {
        private readonly List<MongoClient> _members;
        private Task? _release;

        private FsyncLock(List<MongoClient> members) => _members = members;

        public static async Task<FsyncLock> AcquireAsync(string uri, IEnumerable<string> secondaries)
        {
            var members = secondaries.Select(host =>
            {
                var url = new MongoUrlBuilder(uri) { Server = MongoServerAddress.Parse(host), DirectConnection = true, ReplicaSetName = null };
                return new MongoClient(url.ToMongoUrl());
            }).ToList();
            var held = new FsyncLock(members);
            foreach (var member in members)
            {
                await member.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "fsync", 1 }, { "lock", true } });
            }

            return held;
        }

        public void ReleaseAfter(TimeSpan delay) => _release = Task.Delay(delay).ContinueWith(_ => UnlockAsync()).Unwrap();

        public async ValueTask DisposeAsync()
        {
            await (_release ?? UnlockAsync());
            foreach (var member in _members)
            {
                member.Dispose();
            }
        }

        private async Task UnlockAsync()
        {
            foreach (var member in _members)
            {
                try
                {
                    await member.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("fsyncUnlock", 1));
                }
                catch (MongoCommandException)
                {
                    // not locked (any more)
                }
            }
        }
    }
}
