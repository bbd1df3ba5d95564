using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using Polly.CircuitBreaker;
using static FeedbackRedis.Tests.Sinks.MongoDb.DriverErrors;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>Classification of the driver's real exception types, constructed as the driver constructs them.</summary>
[Category(TestCategories.Unit)]
public sealed class MongoErrorClassifierTests
{
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

    [TestCase(121, "DocumentValidationFailure")]
    [TestCase(2, "BadValue")]
    [TestCase(40, "ConflictingUpdateOperators")]
    [TestCase(52, "DollarPrefixedFieldName")]
    [TestCase(55, "InvalidDBRef")]
    [TestCase(56, "EmptyFieldName")]
    [TestCase(57, "DottedFieldName")]
    [TestCase(10334, "BSONObjectTooLarge")]
    [TestCase(17419, "document too large after an update")]
    [TestCase(17420, "document to upsert too large")]
    public void ErrorsAboutTheDocumentItself_ConcernOneDocument_AndAreRejectedAtBatchLevel(int code, string what)
    {
        Assert.Multiple(() =>
        {
            Assert.That(MongoErrorClassifier.ConcernsOneDocument(ServerErrorCategory.Uncategorized, code), Is.True, what);
            Assert.That(MongoErrorClassifier.ClassifyWriteError(ServerErrorCategory.Uncategorized, code), Is.EqualTo(SinkOutcome.Rejected), what);
        });
    }

    [TestCase(ServerErrorCategory.DuplicateKey, 11000)]
    [TestCase(ServerErrorCategory.ExecutionTimeout, 50)]
    [TestCase(ServerErrorCategory.Uncategorized, 112)]
    [TestCase(ServerErrorCategory.Uncategorized, 17)]
    [TestCase(ServerErrorCategory.Uncategorized, 13)]
    [TestCase(ServerErrorCategory.Uncategorized, 91)]
    [TestCase(ServerErrorCategory.Uncategorized, 99999)]
    public void DuplicatesTimeoutsConflictsAndUnknownCodes_DoNotConcernOneDocument(ServerErrorCategory category, int code) =>
        Assert.That(MongoErrorClassifier.ConcernsOneDocument(category, code), Is.False);

    [Test]
    public void Cancellation_IsNeverRetried() =>
        Assert.That(MongoErrorClassifier.IsTransient(new OperationCanceledException()), Is.False);
}
