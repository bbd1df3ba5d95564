using System.Net;
using System.Reflection;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using Polly.CircuitBreaker;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>Classification of the driver's real exception types, constructed as the driver constructs them.</summary>
public sealed class MongoErrorClassifierTests
{
    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(1), new DnsEndPoint("mongo", 27017)), 1);

    [Test]
    public void NetworkNotPrimaryWriteConcernTimeoutAndOpenCircuit_MeanTheSinkIsUnavailable()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MongoErrorClassifier.Classify(new MongoConnectionException(Connection, "connection reset")), Is.EqualTo(SinkOutcome.Unavailable));
            Assert.That(MongoErrorClassifier.Classify(new MongoNotPrimaryException(Connection, new BsonDocument("insert", "x"), new BsonDocument { { "ok", 0 }, { "code", 10107 } })), Is.EqualTo(SinkOutcome.Unavailable));
            Assert.That(MongoErrorClassifier.Classify(new TimeoutException("server selection timed out")), Is.EqualTo(SinkOutcome.Unavailable));
            Assert.That(MongoErrorClassifier.Classify(new MongoWriteConcernException(Connection, "waiting for replication timed out", new WriteConcernResult(new BsonDocument("ok", 1)))), Is.EqualTo(SinkOutcome.Unavailable));
            Assert.That(MongoErrorClassifier.Classify(new BrokenCircuitException()), Is.EqualTo(SinkOutcome.Unavailable));
            Assert.That(MongoErrorClassifier.IsTransient(new MongoConnectionException(Connection, "reset")), Is.True);
            Assert.That(MongoErrorClassifier.IsTransient(new BrokenCircuitException()), Is.False, "an open circuit is not hammered with retries");
        });
    }

    [Test]
    public void WriteConflictAndTimeLimit_AreTransientFailuresOfTheBatch()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MongoErrorClassifier.Classify(Command(112, "WriteConflict")), Is.EqualTo(SinkOutcome.Failed));
            Assert.That(MongoErrorClassifier.Classify(new MongoExecutionTimeoutException(Connection, "operation exceeded time limit")), Is.EqualTo(SinkOutcome.Failed));
            Assert.That(MongoErrorClassifier.IsTransient(Command(112, "WriteConflict")), Is.True);
            Assert.That(MongoErrorClassifier.ClassifyWriteError(ServerErrorCategory.Uncategorized, 112), Is.EqualTo(SinkOutcome.Failed));
        });
    }

    [Test]
    public void DuplicateKey_MeansAlreadyWritten()
    {
        var bulk = Bulk(WriteError(0, ServerErrorCategory.DuplicateKey, 11000, "E11000 duplicate key error"));

        Assert.Multiple(() =>
        {
            Assert.That(MongoErrorClassifier.Classify(bulk), Is.EqualTo(SinkOutcome.Written));
            Assert.That(MongoErrorClassifier.ClassifyWriteError(ServerErrorCategory.DuplicateKey, 11000), Is.EqualTo(SinkOutcome.Written));
            Assert.That(MongoErrorClassifier.IsTransient(bulk), Is.False);
        });
    }

    [Test]
    public void DocumentTooLargeAndValidationFailure_AreRejected_AndNotRetriedInProcess()
    {
        var tooLarge = Bulk(WriteError(3, ServerErrorCategory.Uncategorized, 10334, "BSONObj size is invalid"));
        var invalid = Bulk(WriteError(0, ServerErrorCategory.Uncategorized, 121, "Document failed validation"));

        Assert.Multiple(() =>
        {
            Assert.That(MongoErrorClassifier.Classify(tooLarge), Is.EqualTo(SinkOutcome.Rejected));
            Assert.That(MongoErrorClassifier.Classify(invalid), Is.EqualTo(SinkOutcome.Rejected));
            Assert.That(MongoErrorClassifier.IsTransient(invalid), Is.False);
            Assert.That(tooLarge.WriteErrors.Single().Index, Is.EqualTo(3), "the index names the operation, hence the batch");
        });
    }

    [Test]
    public void BulkWithADuplicateAndAWriteConflict_IsRetried_AndWithAWriteConcernErrorIsUnavailable()
    {
        var mixed = Bulk(
            WriteError(0, ServerErrorCategory.DuplicateKey, 11000, "dup"),
            WriteError(1, ServerErrorCategory.Uncategorized, 112, "WriteConflict"));
        var concern = Bulk([WriteError(0, ServerErrorCategory.DuplicateKey, 11000, "dup")], WriteConcernError(64, "waiting for replication timed out"));

        Assert.Multiple(() =>
        {
            Assert.That(MongoErrorClassifier.Classify(mixed), Is.EqualTo(SinkOutcome.Failed));
            Assert.That(MongoErrorClassifier.IsTransient(mixed), Is.True);
            Assert.That(MongoErrorClassifier.Classify(concern), Is.EqualTo(SinkOutcome.Unavailable));
        });
    }

    [Test]
    public void Cancellation_IsNeverRetried() =>
        Assert.That(MongoErrorClassifier.IsTransient(new OperationCanceledException()), Is.False);

    private static MongoCommandException Command(int code, string name) =>
        new(Connection, name, new BsonDocument("update", "x"), new BsonDocument { { "ok", 0 }, { "code", code }, { "codeName", name }, { "errmsg", name } });

    private static MongoBulkWriteException<BsonDocument> Bulk(params BulkWriteError[] errors) => Bulk(errors, null);

    private static MongoBulkWriteException<BsonDocument> Bulk(BulkWriteError[] errors, WriteConcernError? concern)
    {
        var result = new BulkWriteResult<BsonDocument>.Acknowledged(
            requestCount: 4, matchedCount: 0, deletedCount: 0, insertedCount: 0, modifiedCount: 0, upserts: [], processedRequests: []);
        return new MongoBulkWriteException<BsonDocument>(Connection, result, errors, concern, []);
    }

    /// <summary>The driver builds these from server replies; their constructors are internal, so reflection it is.</summary>
    private static BulkWriteError WriteError(int index, ServerErrorCategory category, int code, string message) =>
        (BulkWriteError)Activator.CreateInstance(
            typeof(BulkWriteError), BindingFlags.Instance | BindingFlags.NonPublic, null, [index, category, code, message, new BsonDocument()], null)!;

    private static WriteConcernError WriteConcernError(int code, string message)
    {
        var ctor = typeof(WriteConcernError).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .OrderBy(c => c.GetParameters().Length).First();
        var args = ctor.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(int) => (object?)code,
            var t when t == typeof(string) && p.Name == "message" => message,
            var t when t == typeof(string) => "WriteConcernFailed",
            var t when t == typeof(BsonDocument) => new BsonDocument(),
            var t when t == typeof(IEnumerable<string>) => Array.Empty<string>(),
            _ => null,
        }).ToArray();
        return (WriteConcernError)ctor.Invoke(args);
    }
}
