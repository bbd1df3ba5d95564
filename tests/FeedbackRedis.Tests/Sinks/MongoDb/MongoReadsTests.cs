using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>The read concern and session of every read that decides to skip a write. No server (nothing is sent).</summary>
[Category(TestCategories.Unit)]
public sealed class MongoReadsTests
{
    [Test]
    public void EveryDecidingRead_UsesMajorityReadConcern_FromThePrimary()
    {
        using var client = new MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100");
        var sink = new MongoFeedbackSink(client, Options.Create(new MongoSinkOptions()), new FakeTimeProvider(TestStores.Start), NullLogger<MongoFeedbackSink>.Instance);

        var reads = sink.DecidingReads;

        Assert.Multiple(() =>
        {
            Assert.That(reads.Select(c => c.CollectionNamespace.CollectionName), Is.EquivalentTo(new[] { "feedback_events", "agent_feedback", "flushed_batches", "applied_contributions" }),
                "first writers, agent guards, batch markers, apply records");
            Assert.That(reads.Select(c => c.Settings.ReadConcern), Has.All.EqualTo(ReadConcern.Majority));
            Assert.That(reads.Select(c => c.Settings.ReadPreference), Has.All.EqualTo(ReadPreference.Primary));
            Assert.That(reads.Select(c => c.Settings.WriteConcern), Has.All.EqualTo(WriteConcern.WMajority), "and their writes keep the sink's write concern");
        });
    }

    [Test]
    public void AGroupWrite_RunsInACausallyConsistentSession() =>
        Assert.That(MongoReads.SessionOptions().CausalConsistency, Is.True);
}
