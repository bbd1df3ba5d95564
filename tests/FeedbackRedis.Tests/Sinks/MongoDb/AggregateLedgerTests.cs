using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Bson;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>
/// What a group write sends next, given what it read: the (batch, agent) bookkeeping of <see cref="AggregateLedger"/> as
/// pure code. No server.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class AggregateLedgerTests
{
    private static readonly FeedbackBatch A = Batch("#global-0:1", 1, ("a-1", "agent-1"), ("a-2", "agent-2"));
    private static readonly FeedbackBatch B = Batch("agent-1:2", 2, ("b-1", "agent-1"));
    private static readonly FeedbackBatch Gone = Batch("agent-3:1", 0, ("x-1", "agent-3"));

    [Test]
    public void AReadBack_ConfirmsWhatTheWindowHolds_AndSendsTheRestToTheirRecords_ThenGuardedWithTheEpochRead()
    {
        var (ledger, write, completion) = Ledger();
        var states = States(
            ("agent-1", 5L, [Key(A)]), // A's share of agent-1 applied by the fast update
            ("agent-2", 7L, []),       // A's share of agent-2 not in the window
            ("agent-3", 9L, []));

        ledger.ObserveStates(states, write);
        var toCheck = ledger.RecordIdsToCheck(write);
        ledger.ObserveRecords(new HashSet<string> { $"{Key(B)}|agent-1" }, write); // B's was compacted away: its record answers
        ledger.ObserveShares(ledger.SharesToRead(write), new Dictionary<OwnerShare, AgentContribution> { [completion] = new("agent-3", 1, 1, new Dictionary<string, long>(), null) });

        var guarded = ledger.ToApplyGuarded(write, completions: false).Single();
        var completing = ledger.ToApplyGuarded(write, completions: true).Single();
        Assert.Multiple(() =>
        {
            Assert.That(toCheck, Is.EqualTo(new[] { $"{Key(A)}|agent-2", $"{Key(B)}|agent-1", $"{Key(Gone)}|agent-3" }));
            Assert.That((guarded.Batch, guarded.AgentId), Is.EqualTo((A, "agent-2")));
            Assert.That(guarded.Guarded, Is.EqualTo(ApplyGuard.Guarded(Key(A), MongoWriteModels.SealedAtMs(A), new BsonInt64(7))), "the epoch read before the record");
            Assert.That((completing.BatchKey, completing.Contribution!.Events), Is.EqualTo((Key(Gone), 1L)), "applied under the owner's key");
            Assert.That(ledger.AllApplied(B), Is.True, "B can be marked");
            Assert.That(ledger.AllApplied(A), Is.False, "A waits for agent-2");
            Assert.That(ledger.AnyOpen(write), Is.True);
        });
    }

    [Test]
    public void AGuardedApplyConfirmedByTheNextReadBack_LeavesNothingOpen()
    {
        var (ledger, write, _) = Ledger();
        ledger.ObserveStates(States(("agent-1", 0L, [Key(A), Key(B)]), ("agent-2", 0L, []), ("agent-3", 0L, [Key(Gone)])), write);
        ledger.ObserveRecords(new HashSet<string>(), write);
        Assert.That(ledger.ToApplyGuarded(write, completions: false).Select(p => p.AgentId), Is.EqualTo(new[] { "agent-2" }));

        ledger.ObserveStates(States(("agent-2", 0L, [Key(A)])), write);

        Assert.Multiple(() =>
        {
            Assert.That(ledger.AnyOpen(write), Is.False);
            Assert.That(ledger.AllApplied(A) && ledger.AllApplied(B), Is.True);
            Assert.That(ledger.SharesToRead(write), Is.Empty, "the owner had applied itself: nothing to complete");
        });
    }

    [Test]
    public void AFailedBatch_LeavesTheLaterSteps_AndACompletionWithNothingToCountIsAbandoned()
    {
        var (ledger, write, completion) = Ledger();
        write.Fail(A, SinkOutcome.Rejected, "agents (apply): 121 Document failed validation");
        ledger.ObserveStates(States(("agent-1", 0L, [Key(B)])), write);
        ledger.ObserveRecords(new HashSet<string>(), write);
        ledger.ObserveShares([completion], new Dictionary<OwnerShare, AgentContribution>());

        Assert.Multiple(() =>
        {
            Assert.That(ledger.ReadBackOf(write).Agents, Is.Empty, "nothing of A is read or sent any more, and the completion is given up");
            Assert.That(ledger.ToApplyGuarded(write, completions: false), Is.Empty);
            Assert.That(ledger.AnyOpen(write), Is.False);
            Assert.That(ledger.AllApplied(B), Is.True);
        });
    }

    [Test]
    public void ReadBackOf_AsksEachOpenAgentAboutEveryOpenKey()
    {
        var (ledger, write, _) = Ledger();

        var (agents, keys) = ledger.ReadBackOf(write);

        Assert.Multiple(() =>
        {
            Assert.That(agents, Is.EqualTo(new[] { "agent-1", "agent-2", "agent-3" }));
            Assert.That(keys, Is.EqualTo(new[] { Key(A), Key(B), Key(Gone) }));
        });
    }

    private static (AggregateLedger Ledger, GroupWrite Write, OwnerShare Completion) Ledger()
    {
        var all = new HashSet<string> { "a-1", "a-2", "b-1" };
        var completion = new OwnerShare(Key(Gone), Gone.BatchId, Gone.Claim.SealedAt.UtcDateTime, "agent-3", A);
        var ledger = new AggregateLedger(
            [(A, MongoWriteModels.Contributions(A, all)), (B, MongoWriteModels.Contributions(B, all))],
            [completion]);
        return (ledger, new GroupWrite([A, B]), completion);
    }

    private static Dictionary<string, AgentGuardState> States(params (string Agent, long Epoch, string[] Hits)[] states) =>
        states.ToDictionary(s => s.Agent, s => new AgentGuardState(s.Agent, null, new BsonInt64(s.Epoch), s.Hits.Length, s.Hits.ToHashSet()));

    private static string Key(FeedbackBatch batch) => MongoWriteModels.BatchKey(batch);

    private static FeedbackBatch Batch(string batchId, int seq, params (string Id, string Agent)[] events) =>
        FeedbackBatch.Read(TestFeedback.Claimed(batchId, events.Select(e => TestFeedback.Item(e.Agent, e.Id)), sealedAt: TestStores.Start.AddSeconds(seq)));
}
