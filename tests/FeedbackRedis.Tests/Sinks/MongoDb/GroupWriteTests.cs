using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Driver;
using static FeedbackRedis.Tests.Sinks.MongoDb.DriverErrors;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>How one group write charges the driver's write errors to batches and items, without a server.</summary>
[Category(TestCategories.Unit)]
public sealed class GroupWriteTests
{
    private static readonly FeedbackBatch A = Batch("agent-a:1", "a", 3);
    private static readonly FeedbackBatch B = Batch("agent-b:1", "b", 2);
    private static readonly FeedbackBatch C = Batch("agent-c:1", "c", 2);

    [Test]
    public void InTheEventStep_AValidationFailure_RefusesThatItemOnly_AndItsBatchIsWrittenExceptIt()
    {
        var (write, owners, events) = EventStep(A, B, C);
        var ex = Bulk(
            WriteError(1, ServerErrorCategory.Uncategorized, 121, "Document failed validation"),
            WriteError(3, ServerErrorCategory.DuplicateKey, 11000, "E11000 duplicate key error"));

        var (failed, rejected) = write.Charge(ex.WriteErrors, owners, events, "events");

        var results = write.Results();
        Assert.Multiple(() =>
        {
            Assert.That((failed, rejected), Is.EqualTo((0, 1)));
            Assert.That(results.Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Written));
            Assert.That(results[0].RejectedItems.Select(r => r.ItemIndex), Is.EqualTo(new[] { 1 }));
            Assert.That(results[0].RejectedItems[0].Reason, Does.Contain("event a-1").And.Contain("item #1").And.Contain("121").And.Contain("Document failed validation"));
            Assert.That(results[1].RejectedItems, Is.Empty, "a duplicate key means the event is there");
            Assert.That(write.Kept(A).Select(e => e.ItemIndex), Is.EqualTo(new[] { 0, 2 }), "the later steps leave the refused item out");
            Assert.That(write.Live, Is.EqualTo(new[] { A, B, C }));
        });
    }

    [TestCase(2)]
    [TestCase(40)]
    [TestCase(52)]
    [TestCase(57)]
    [TestCase(10334)]
    [TestCase(17420)]
    public void InTheEventStep_EveryErrorAboutTheDocument_RefusesTheItem(int code)
    {
        var (write, owners, events) = EventStep(A, B);

        write.Charge(Bulk(WriteError(4, ServerErrorCategory.Uncategorized, code, "refused")).WriteErrors, owners, events, "events");

        var result = write.Results()[1];
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(result.RejectedItems.Select(r => r.ItemIndex), Is.EqualTo(new[] { 1 }), "operation #4 is B's item #1");
            Assert.That(result.RejectedItems[0].Reason, Does.Contain($"error {code}"));
        });
    }

    [Test]
    public void AWriteConflict_StillFailsTheWholeBatch_AndAFailureOutranksItsRefusedItems()
    {
        var (write, owners, events) = EventStep(A, B);
        var ex = Bulk(
            WriteError(0, ServerErrorCategory.Uncategorized, 121, "Document failed validation"),
            WriteError(2, ServerErrorCategory.Uncategorized, 112, "WriteConflict"),
            WriteError(3, ServerErrorCategory.ExecutionTimeout, 50, "time limit"));

        var (failed, rejected) = write.Charge(ex.WriteErrors, owners, events, "events");

        var results = write.Results();
        Assert.Multiple(() =>
        {
            Assert.That((failed, rejected), Is.EqualTo((2, 1)));
            Assert.That(results[0].Outcome, Is.EqualTo(SinkOutcome.Failed), "the batch is retried whole; the next attempt refuses the item again");
            Assert.That(results[0].Reason, Does.Contain("112"));
            Assert.That(results[0].RejectedItems, Is.Empty);
            Assert.That(results[1].Outcome, Is.EqualTo(SinkOutcome.Failed));
            Assert.That(write.Live, Is.Empty);
        });
    }

    [Test]
    public void OutsideTheEventStep_AValidationFailure_RejectsTheBatch_AsBefore()
    {
        var write = new GroupWrite([A, B]);

        write.Charge(Bulk(WriteError(1, ServerErrorCategory.Uncategorized, 121, "Document failed validation")).WriteErrors, [A, B], null, "agents (apply)");

        var results = write.Results();
        Assert.Multiple(() =>
        {
            Assert.That(results[0].Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(results[1].Outcome, Is.EqualTo(SinkOutcome.Rejected));
            Assert.That(results[1].Reason, Does.StartWith("agents (apply): 121"));
        });
    }

    [Test]
    public void AnErrorNamingNoOperationThatWasSent_FailsEveryOwner()
    {
        var (write, owners, events) = EventStep(A, B);

        var (failed, _) = write.Charge(Bulk(WriteError(99, ServerErrorCategory.Uncategorized, 121, "?")).WriteErrors, owners, events, "events");

        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.EqualTo(2));
            Assert.That(write.Results().Select(r => r.Outcome), Has.All.EqualTo(SinkOutcome.Failed));
        });
    }

    [Test]
    public void Reject_KeepsTheFirstReasonPerItem_InItemOrder()
    {
        var write = new GroupWrite([A]);

        write.Reject(A, 2, "second item, first reason");
        write.Reject(A, 0, "first item");
        write.Reject(A, 2, "second item, later reason");

        Assert.Multiple(() =>
        {
            Assert.That(write.Rejected(A), Is.EqualTo(new[] { new RejectedItem(0, "first item"), new RejectedItem(2, "second item, first reason") }));
            Assert.That(write.IsRejected(A, 2), Is.True);
            Assert.That(write.IsRejected(A, 1), Is.False);
            Assert.That(write.Results().Single().RejectedItems, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void ABatchWithNothingRefused_IsPlainWritten() =>
        Assert.That(new GroupWrite([A]).Results().Single(), Is.EqualTo(BatchWriteResult.Written(A.BatchId)));

    /// <summary>The event step's parallel lists: one operation per event, in group order.</summary>
    private static (GroupWrite Write, List<FeedbackBatch> Owners, List<ClaimedEvent> Events) EventStep(params FeedbackBatch[] batches) =>
        (new GroupWrite(batches), [.. batches.SelectMany(b => b.Events.Select(_ => b))], [.. batches.SelectMany(b => b.Events)]);

    [Test]
    public void IdConflicts_AreReportedInTheBatchsResult_WrittenOrRefusedItems_AndNotForAFailedBatch()
    {
        var (write, owners, events) = EventStep(A, B, C);
        write.Charge(Bulk(WriteError(3, ServerErrorCategory.Uncategorized, 121, "Document failed validation")).WriteErrors, owners, events, "events");
        write.Fail(C, SinkOutcome.Failed, "boom");

        write.IdConflicts(A, 2);
        write.IdConflicts(B, 1);
        write.IdConflicts(C, 1);

        var results = write.Results();
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.IdConflicts), Is.EqualTo(new[] { 2, 1, 0 }));
            Assert.That(results[1].RejectedItems, Has.Count.EqualTo(1), "the refused item is still reported");
        });
    }

    private static FeedbackBatch Batch(string batchId, string agent, int events) =>
        FeedbackBatch.Read(TestFeedback.Claimed(batchId, Enumerable.Range(0, events).Select(i => TestFeedback.Item(agent, $"{agent}-{i}"))));
}
