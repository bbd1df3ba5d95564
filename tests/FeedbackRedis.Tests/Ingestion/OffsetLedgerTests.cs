using Confluent.Kafka;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class OffsetLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TopicPartition P0 = new("t", 0);
    private static readonly TopicPartition P1 = new("t", 1);

    private static TopicPartitionOffset At(TopicPartition p, long offset) => new(p, offset);

    [Test]
    public void AcknowledgedOffsets_WithoutASafetyMargin_AreDueAtOnce()
    {
        var ledger = new OffsetLedger();
        ledger.Acknowledged([At(P0, 10), At(P1, 5)], T0);

        var due = ledger.TakeDue(T0, TimeSpan.Zero);

        Assert.That(due.Select(d => (d.Partition.Value, d.Offset.Value)), Is.EquivalentTo(new[] { (0, 10L), (1, 5L) }));
        Assert.That(ledger.Count, Is.Zero);
    }

    [Test]
    public void AcknowledgedOffsets_WithASafetyMargin_WaitUntilAcknowledgedThatLong()
    {
        var ledger = new OffsetLedger();
        var safety = TimeSpan.FromSeconds(2);
        ledger.Acknowledged([At(P0, 10)], T0);
        ledger.Acknowledged([At(P0, 20)], T0.AddSeconds(1));

        Assert.That(ledger.TakeDue(T0.AddSeconds(1.9), safety), Is.Empty);
        Assert.That(ledger.TakeDue(T0.AddSeconds(2), safety).Single().Offset.Value, Is.EqualTo(10));
        Assert.That(ledger.TakeDue(T0.AddSeconds(2.5), safety), Is.Empty);
        Assert.That(ledger.TakeDue(T0.AddSeconds(3), safety).Single().Offset.Value, Is.EqualTo(20));
    }

    [Test]
    public void Due_ManyOffsetsPerPartition_ReturnsOnlyTheHighest()
    {
        var ledger = new OffsetLedger();
        ledger.Acknowledged([At(P0, 10), At(P1, 3)], T0);
        ledger.Acknowledged([At(P0, 15)], T0);
        ledger.Acknowledged([At(P0, 30)], T0);

        var due = ledger.TakeDue(T0, TimeSpan.Zero);

        Assert.That(due.Single(d => d.Partition.Value == 0).Offset.Value, Is.EqualTo(30));
        Assert.That(due.Single(d => d.Partition.Value == 1).Offset.Value, Is.EqualTo(3));
    }

    [Test]
    public void DueAt_IsWhenTheLastWaitingOffsetOfThosePartitionsBecomesDue()
    {
        var ledger = new OffsetLedger();
        var safety = TimeSpan.FromSeconds(2);
        ledger.Acknowledged([At(P0, 10)], T0);
        ledger.Acknowledged([At(P1, 10)], T0.AddSeconds(1));
        ledger.Acknowledged([At(P0, 20)], T0.AddSeconds(1.5));

        Assert.That(ledger.DueAt([P0], safety), Is.EqualTo(T0.AddSeconds(3.5)));
        Assert.That(ledger.DueAt([P1], safety), Is.EqualTo(T0.AddSeconds(3)));
        Assert.That(ledger.DueAt([new TopicPartition("t", 9)], safety), Is.Null);
    }

    [Test]
    public void ForgottenPartitions_AreNeverStored()
    {
        var ledger = new OffsetLedger();
        ledger.Acknowledged([At(P0, 10), At(P1, 10)], T0);

        ledger.Forget([P0]);

        Assert.That(ledger.TakeDue(T0.AddHours(1), TimeSpan.Zero).Select(d => d.Partition.Value), Is.EqualTo(new[] { 1 }));
    }
}
