using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>Positions and waiting offsets move together on assignment, acknowledgement, rewind and release.</summary>
[Category(TestCategories.Unit)]
public sealed class PartitionBookTests
{
    private static readonly TopicPartition A = new("fb.reply", new Partition(0));
    private static readonly TopicPartition B = new("fb.reply", new Partition(1));
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);

    [Test]
    public void ResolvedFromRedis_WaitsTheNextOffsetForKafka_FromKafkaWaitsNothing()
    {
        var book = new PartitionBook();
        book.Assigned([A, B]);
        book.ResolvedFromRedis(A, 41, Now);
        book.ResolvedFromKafka(B, 9);
        Assert.Multiple(() =>
        {
            Assert.That(book.Unresolved, Is.Empty);
            Assert.That(book.Expected(A), Is.EqualTo(41));
            Assert.That(book.Expected(B), Is.EqualTo(9));
            Assert.That(book.TakeDue(Now, TimeSpan.Zero), Is.EqualTo(new[] { new TopicPartitionOffset(A, 42) }),
                "Kafka's commit catches up with Redis's record even if nothing more arrives");
        });
    }

    [Test]
    public void Acknowledged_AnAppend_RecordsItsPositionsAndWaitsTheNextOffsetsInOrder()
    {
        var book = new PartitionBook();
        book.Assigned([A, B]);
        book.ResolvedFromKafka(A, 9);
        book.ResolvedFromKafka(B, -1);
        var messages = new[] { Message(B, 0), Message(A, 10), Message(A, 12), Message(B, 1) };
        var positions = book.PositionsOf(messages);
        Assert.That(positions, Is.EqualTo(new[]
        {
            new PartitionPosition(new KafkaPartition("fb.reply", 1), -1, 1),
            new PartitionPosition(new KafkaPartition("fb.reply", 0), 9, 12),
        }));

        book.Acknowledged(messages, positions, Now);
        Assert.Multiple(() =>
        {
            Assert.That(book.Expected(A), Is.EqualTo(12), "what the next append expects Redis to hold");
            Assert.That(book.Expected(B), Is.EqualTo(1));
            Assert.That(book.Waiting, Is.EqualTo(2));
            Assert.That(book.DueAt([A], TimeSpan.FromSeconds(1)), Is.EqualTo(Now.AddSeconds(1)));
            Assert.That(book.TakeDue(Now, TimeSpan.FromSeconds(1)), Is.Empty, "the safety margin first");
            Assert.That(book.TakeDue(Now.AddSeconds(1), TimeSpan.FromSeconds(1)),
                Is.EqualTo(new[] { new TopicPartitionOffset(B, 2), new TopicPartitionOffset(A, 13) }));
        });
    }

    [Test]
    public void Acknowledged_AfterAKnownRecord_MovesTheExpectedRecord()
    {
        var book = new PartitionBook();
        book.Assigned([A]);
        book.ResolvedFromRedis(A, 20, Now);
        var messages = new[] { Message(A, 21), Message(A, 22) };
        book.Acknowledged(messages, book.PositionsOf(messages), Now);
        Assert.Multiple(() =>
        {
            Assert.That(book.Expected(A), Is.EqualTo(22));
            Assert.That(book.Known(), Is.EqualTo(new Dictionary<KafkaPartition, long> { [new("fb.reply", 0)] = 22 }));
        });
    }

    [Test]
    public void Released_APartition_ForgetsItsPositionAndItsWaitingOffsets()
    {
        var book = new PartitionBook();
        book.Assigned([A, B]);
        book.ResolvedFromRedis(A, 5, Now);
        book.ResolvedFromRedis(B, 7, Now);
        book.Released([A]);
        Assert.Multiple(() =>
        {
            Assert.That(book.TakeDue(Now, TimeSpan.Zero), Is.EqualTo(new[] { new TopicPartitionOffset(B, 8) }),
                "a released partition's offset is not ours to store");
            Assert.That(book.Expected(A), Is.EqualTo(-1));
            Assert.That(book.Known().Keys, Is.EquivalentTo(new[] { new KafkaPartition("fb.reply", 1) }));
        });
    }

    [Test]
    public void Rewound_Positioned_LowersTheRecordKeepsTheFloorAndForgetsWaitingOffsets()
    {
        var book = new PartitionBook();
        book.Assigned([A]);
        book.ResolvedFromRedis(A, 10, Now);
        var messages = new[] { Message(A, 11), Message(A, 30) };
        book.Acknowledged(messages, book.PositionsOf(messages), Now);

        Assert.That(book.Rewinding(A), Is.EqualTo(30), "what this consumer expected");
        Assert.That(book.Waiting, Is.Zero, "forgotten before the seek is even tried");
        book.Rewound(A, target: 16, positioned: true);
        Assert.Multiple(() =>
        {
            Assert.That(book.Expected(A), Is.EqualTo(15));
            Assert.That(book.Floor(A), Is.EqualTo(10), "ownership started where it did");
            Assert.That(book.IsResolved(A), Is.True);
        });
    }

    [Test]
    public void Rewound_SeekFailed_LeavesThePartitionToBeResolvedAgain()
    {
        var book = new PartitionBook();
        book.Assigned([A]);
        book.ResolvedFromRedis(A, 10, Now);
        book.Rewinding(A);
        book.Rewound(A, target: 5, positioned: false);
        Assert.Multiple(() =>
        {
            Assert.That(book.IsResolved(A), Is.False);
            Assert.That(book.Unresolved, Is.EquivalentTo(new[] { A }));
            Assert.That(book.TakeDue(Now, TimeSpan.Zero), Is.Empty);
        });
    }

    [Test]
    public void Behind_RecordGoneOrLower_IsBehind_EqualOrHigherIsNot()
    {
        var p0 = new KafkaPartition("fb.reply", 0);
        var p1 = new KafkaPartition("fb.reply", 1);
        var p2 = new KafkaPartition("fb.reply", 2);
        var p3 = new KafkaPartition("fb.reply", 3);
        var known = new Dictionary<KafkaPartition, long> { [p0] = 10, [p1] = 10, [p2] = 10, [p3] = 10 };
        var recorded = new Dictionary<KafkaPartition, long?> { [p0] = 10, [p1] = 9, [p2] = null, [p3] = 12 };
        Assert.That(PartitionBook.Behind(recorded, known), Is.EqualTo(new Dictionary<KafkaPartition, long?> { [p1] = 9, [p2] = null }));
    }

    [Test]
    public void Highest_MessagesOverPartitions_GivesEachPartitionsHighestOffsetInFirstAppearanceOrder()
    {
        var c = new TopicPartition("fb.reaction", new Partition(0)); // same partition number, another topic
        var highest = PartitionBook.Highest([Message(B, 4), Message(A, 9), Message(B, 2), Message(c, 1), Message(A, 11), Message(B, 7), Message(A, 10)]);
        Assert.That(highest, Is.EqualTo(new[] { KeyValuePair.Create(B, 7L), KeyValuePair.Create(A, 11L), KeyValuePair.Create(c, 1L) }));
        Assert.That(PartitionBook.Highest([]), Is.Empty);
    }

    private static PendingMessage Message(TopicPartition partition, long offset) => new(new ConsumeResult<byte[]?, byte[]?>
    {
        TopicPartitionOffset = new TopicPartitionOffset(partition, offset),
        Message = new Message<byte[]?, byte[]?> { Value = [] },
    });
}
