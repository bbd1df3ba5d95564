using Confluent.Kafka;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class PartitionPositionsTests
{
    private static readonly TopicPartition A = new("t", new Partition(0));
    private static readonly TopicPartition B = new("t", new Partition(1));

    [Test]
    public void AssignedPartition_UntilPositioned_IsUnresolvedAndExpectsNothing()
    {
        var positions = new PartitionPositions();
        positions.Assigned([A, B]);
        Assert.Multiple(() =>
        {
            Assert.That(positions.Unresolved, Is.EquivalentTo(new[] { A, B }));
            Assert.That(positions.IsResolved(A), Is.False);
            Assert.That(positions.Expected(A), Is.EqualTo(-1));
        });

        positions.Resolved(A, 41);
        Assert.Multiple(() =>
        {
            Assert.That(positions.Unresolved, Is.EquivalentTo(new[] { B }));
            Assert.That(positions.Expected(A), Is.EqualTo(41));
            Assert.That(positions.Floor(A), Is.EqualTo(41));
            Assert.That(positions.PositionFor(A, 50), Is.EqualTo(new FeedbackRedis.Batching.PartitionPosition(new("t", 0), 41, 50)));
        });
    }

    [Test]
    public void Records_OnlyGrow_ARewindLowersThemAndTheFloorStays()
    {
        var positions = new PartitionPositions();
        positions.Assigned([A]);
        positions.Resolved(A, 10);
        positions.Recorded(A, 30);
        positions.Recorded(A, 20);
        Assert.That(positions.Expected(A), Is.EqualTo(30));

        positions.Rewound(A, 15);
        Assert.Multiple(() =>
        {
            Assert.That(positions.Expected(A), Is.EqualTo(15));
            Assert.That(positions.Floor(A), Is.EqualTo(10));
            Assert.That(positions.Known, Is.EquivalentTo(new[] { KeyValuePair.Create(A, 15L) }));
        });
    }

    [Test]
    public void ReleasedPartition_IsForgotten_AndOneWithoutRecordIsNotCompared()
    {
        var positions = new PartitionPositions();
        positions.Assigned([A, B]);
        positions.Resolved(A, 5);
        positions.Resolved(B, -1);
        positions.Released([A]);
        Assert.Multiple(() =>
        {
            Assert.That(positions.Expected(A), Is.EqualTo(-1));
            Assert.That(positions.IsResolved(A), Is.True, "not owned, so not waiting");
            Assert.That(positions.Known, Is.Empty, "B has no record to compare");
        });
    }
}
