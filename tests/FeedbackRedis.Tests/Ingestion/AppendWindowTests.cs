using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// The appends in flight, over a fake store whose calls complete when the test says, in any order, fail or are refused:
/// what comes back is acknowledged strictly in the order sent, and nothing after a failure or a refusal.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class AppendWindowTests
{
    private static readonly TopicPartition A = new("fb.reply", new Partition(0));
    private static readonly TopicPartition B = new("fb.reply", new Partition(1));

    [Test]
    public async Task Appends_CompletingOutOfOrder_ComeBackInSendOrder()
    {
        var store = new FakeStore();
        var window = new AppendWindow(store.AppendAsync, capacity: 3);
        var first = window.Send([Message(A, 0), Message(A, 1)], Known, CancellationToken.None);
        var second = window.Send([Message(A, 2), Message(B, 0)], Known, CancellationToken.None);
        var third = window.Send([Message(A, 3)], Known, CancellationToken.None);
        Assert.That(window.IsFull, Is.True, "three in flight of three");

        store.Calls[2].SetResult(Taken(1));
        store.Calls[1].SetResult(Taken(2));
        Assert.That(window.OldestDone, Is.False, "the later ones are back, the oldest is not: nothing may be taken");

        store.Calls[0].SetResult(Taken(2));
        var taken = new List<InFlightAppend>();
        while (window.Count > 0)
        {
            var outcome = await window.TakeOldestAsync();
            Assert.That(outcome.Broken, Is.False);
            taken.AddRange(outcome.Appends);
        }

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.EqualTo(new[] { first, second, third }), "strictly in the order sent");
            Assert.That(window.Events, Is.Zero);
        });
    }

    [Test]
    public void Append_Expected_IsThePreviousInFlightOrWhatRedisHolds()
    {
        var store = new FakeStore();
        var window = new AppendWindow(store.AppendAsync, capacity: 4);
        Func<TopicPartition, long> known = p => p == A ? 9 : 4;
        window.Send([Message(A, 10), Message(A, 11)], known, CancellationToken.None);
        window.Send([Message(A, 12), Message(B, 5)], known, CancellationToken.None);
        window.Send([Message(B, 6), Message(A, 13)], known, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(store.Positions[0], Is.EqualTo(new[] { Position(A, 9, 11) }), "first of A: what Redis holds (known 9)");
            Assert.That(store.Positions[1], Is.EquivalentTo(new[] { Position(A, 11, 12), Position(B, 4, 5) }), "A chained on the first; B from Redis");
            Assert.That(store.Positions[2], Is.EquivalentTo(new[] { Position(B, 5, 6), Position(A, 12, 13) }), "both chained");
        });
    }

    [TestCase(false, TestName = "OldestAppend_Failed_BringsEveryAppendInFlightBackUnacknowledged")]
    [TestCase(true, TestName = "OldestAppend_Refused_BringsEveryAppendInFlightBackUnacknowledged")]
    public async Task OldestAppend_BrokenOrRefused_FailsTheWindow(bool refused)
    {
        var store = new FakeStore();
        var window = new AppendWindow(store.AppendAsync, capacity: 4);
        var first = window.Send([Message(A, 0)], Known, CancellationToken.None);
        var second = window.Send([Message(B, 0)], Known, CancellationToken.None);
        var third = window.Send([Message(A, 1)], Known, CancellationToken.None);
        store.Calls[1].SetResult(Taken(1)); // another partition: Redis took it in
        store.Calls[2].SetResult(Refused(A)); // A's chain: refused, since the first did not record
        if (refused)
        {
            store.Calls[0].SetResult(Refused(A));
        }
        else
        {
            store.Calls[0].SetException(new BatchStoreUnavailableException("connection lost"));
        }

        var outcome = await window.TakeOldestAsync();
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Broken, Is.True);
            Assert.That(outcome.Appends, Is.EqualTo(new[] { first, second, third }), "all of them, oldest first, to be sent again");
            Assert.That(window.Count, Is.Zero);
            Assert.That(window.Events, Is.Zero);
        });

        window.Send([Message(A, 0)], Known, CancellationToken.None);
        Assert.That(store.Positions[3], Is.EqualTo(new[] { Position(A, -1, 0) }), "sent again, it expects what Redis is known to hold, not the discarded chain");
    }

    [Test]
    public async Task OldestAppend_LaterOneFailed_WaitsForItsOwnCall()
    {
        var store = new FakeStore();
        var window = new AppendWindow(store.AppendAsync, capacity: 2);
        var first = window.Send([Message(A, 0)], Known, CancellationToken.None);
        window.Send([Message(A, 1)], Known, CancellationToken.None);
        store.Calls[1].SetException(new BatchStoreUnavailableException("timeout"));
        var taking = window.TakeOldestAsync();
        Assert.That(taking.IsCompleted, Is.False, "the oldest is not back yet");

        store.Calls[0].SetResult(Taken(1));
        var outcome = await taking;
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Broken, Is.False);
            Assert.That(outcome.Appends, Is.EqualTo(new[] { first }), "the oldest went through and is acknowledged alone");
        });
        Assert.That((await window.TakeOldestAsync()).Broken, Is.True, "the next one failed: broken");
    }

    [Test]
    public void Append_TooLargeOrWindowFull_GoesAloneOrIsNotTaken()
    {
        var store = new FakeStore();
        var window = new AppendWindow(store.AppendAsync, capacity: 8);
        window.Send([.. Enumerable.Range(0, RedisBatchStore.MaxEventsPerCall + 1).Select(i => Message(A, i))], Known, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(window.IsFull, Is.True, "its recording calls go only after its others: nothing may be sent after it");
            Assert.That(() => window.Send([Message(A, 9_999)], Known, CancellationToken.None), Throws.InvalidOperationException);
            Assert.That(store.Calls, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void DeadLetters_InAnAppend_AreAcknowledgedButNotSent()
    {
        var store = new FakeStore();
        var window = new AppendWindow(store.AppendAsync, capacity: 2);
        var letter = Message(A, 1);
        letter.Classification = Classification.Reject(DeadLetterReason.WrongShape, "no");
        var append = window.Send([Message(A, 0), letter], Known, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(store.Events[0], Has.Count.EqualTo(1));
            Assert.That(store.Positions[0], Is.EqualTo(new[] { Position(A, -1, 1) }), "its offset is recorded by this append");
            Assert.That(append.Messages, Has.Count.EqualTo(2));
            Assert.That(window.Events, Is.EqualTo(1));
        });
    }

    /// <summary>Redis holds nothing known of any partition.</summary>
    private static long Known(TopicPartition partition) => -1;

    private static PartitionPosition Position(TopicPartition partition, long expected, long taken) =>
        new(PartitionPositions.ToKafka(partition), expected, taken);

    private static AppendResult Taken(int added) => new(added, 0, 0);

    private static AppendResult Refused(TopicPartition partition) =>
        new(0, 0, 0) { Behind = new Dictionary<KafkaPartition, long?> { [PartitionPositions.ToKafka(partition)] = null } };

    private static PendingMessage Message(TopicPartition partition, long offset) => new(new ConsumeResult<byte[]?, byte[]?>
    {
        TopicPartitionOffset = new TopicPartitionOffset(partition, offset),
        Message = new Message<byte[]?, byte[]?> { Value = [] },
    })
    {
        Classification = Classification.Accept(AppendEvent.FromJson($"e-{partition.Partition.Value}-{offset}", "agent-1", "{}")),
    };

    /// <summary>A store whose every call waits for the test to complete it.</summary>
    private sealed class FakeStore
    {
        public List<TaskCompletionSource<AppendResult>> Calls { get; } = [];

        public List<IReadOnlyList<PartitionPosition>> Positions { get; } = [];

        public List<IReadOnlyList<AppendEvent>> Events { get; } = [];

        public Task<AppendResult> AppendAsync(IReadOnlyList<AppendEvent> events, IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken)
        {
            var call = new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            Calls.Add(call);
            Positions.Add(positions);
            Events.Add(events);
            return call.Task;
        }
    }
}
