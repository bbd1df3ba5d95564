using Confluent.Kafka;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>The hold-and-retry of what the consumer holds: failures, postponed attempts, the careful way, stuck reports.</summary>
[Category(TestCategories.Unit)]
public sealed class HeldMessagesTests
{
    private static readonly TopicPartition A = new("fb.reply", new Partition(0));
    private static readonly TopicPartition B = new("fb.reply", new Partition(1));

    [Test]
    public void TurnFailed_WithMessagesHeld_RetriesAfterTheIntervalTheCarefulWay()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var held = new HeldMessages();
        held.Add(Message(A, 0));
        Assert.Multiple(() =>
        {
            Assert.That(held.Retrying, Is.False, "nothing failed yet");
            Assert.That(held.NeedsCare, Is.False);
            Assert.That(held.IsDue(time.GetUtcNow()), Is.True);
        });

        held.TurnFailed(new InvalidOperationException("boom"), time.GetUtcNow());
        Assert.Multiple(() =>
        {
            Assert.That(held.Retrying, Is.True);
            Assert.That(held.NeedsCare, Is.True);
            Assert.That(held.LastFailure, Is.EqualTo("InvalidOperationException: boom"));
            Assert.That(held.IsDue(time.GetUtcNow()), Is.False, "postponed");
        });

        time.Advance(AppendRetry.PausedRetryInterval - TimeSpan.FromMilliseconds(1));
        Assert.That(held.IsDue(time.GetUtcNow()), Is.False, "1 ms early");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(held.IsDue(time.GetUtcNow()), Is.True, "the interval has passed");
    }

    [Test]
    public void Retrying_WithNothingHeld_IsFalseEvenAfterAFailure()
    {
        var held = new HeldMessages();
        held.TurnFailed(new InvalidOperationException("boom"), DateTimeOffset.UnixEpoch);
        Assert.That(held.Retrying, Is.False, "nothing to retry: new messages may be taken");
    }

    [Test]
    public void Attempted_AfterAFailedAttempt_ClearsTheCarefulWayOnlyWhenDone()
    {
        var held = new HeldMessages();
        held.Add(Message(A, 0));
        held.AttemptFailed();
        Assert.That(held.NeedsCare, Is.True);

        held.Attempted(done: false);
        Assert.That(held.NeedsCare, Is.True, "still held: still careful");

        held.Attempted(done: true);
        Assert.That(held.NeedsCare, Is.False);

        held.AttemptFailed();
        held.Clear();
        held.Attempted(done: false);
        Assert.That(held.NeedsCare, Is.False, "nothing left held (a refusal rewound it all away): nothing to be careful with");
    }

    [Test]
    public void PutBack_AppendsThatFailed_GoInFrontInOrderAndNeedCare()
    {
        var held = new HeldMessages();
        var messages = held.Messages;
        held.Add(Message(A, 5));
        held.PutBack([Message(A, 2), Message(B, 0), Message(A, 3)]);
        Assert.Multiple(() =>
        {
            Assert.That(held.Messages, Is.SameAs(messages), "in place: a fill under way keeps adding to the same list");
            Assert.That(held.Messages.Select(m => (m.Partition.Partition.Value, m.Result.Offset.Value)),
                Is.EqualTo(new[] { (0, 2L), (1, 0L), (0, 3L), (0, 5L) }));
            Assert.That(held.NeedsCare, Is.True);
        });
    }

    [Test]
    public void Drop_ByPartitionAndUpToAnOffset_RemovesOnlyThose()
    {
        var held = new HeldMessages();
        foreach (var message in new[] { Message(A, 3), Message(B, 7), Message(A, 4), Message(A, 5), Message(B, 8) })
        {
            held.Add(message);
        }

        Assert.Multiple(() =>
        {
            Assert.That(held.First(A), Is.EqualTo(3));
            Assert.That(held.First(new TopicPartition("fb.reply", new Partition(9))), Is.EqualTo(-1));
            Assert.That(held.Holds(p => p == B), Is.True);
        });

        held.DropUpTo(A, 4);
        Assert.That(held.First(A), Is.EqualTo(5));
        Assert.That(held.Drop(B), Is.EqualTo(2));
        Assert.That(held.Holds(p => p == B), Is.False);
        Assert.That(held.Drop(new HashSet<TopicPartition> { A, B }), Is.EqualTo(1));
        Assert.That(held.Count, Is.Zero);
    }

    [Test]
    public void Report_HeldPastStuckAfter_SaysStuckOnceThenUnstuckOnceMoved()
    {
        var time = new FakeTimeProvider();
        var progress = new ConsumerProgress(time, new ConsumerOptions { StuckAfter = TimeSpan.FromSeconds(30) });
        var held = new HeldMessages();
        held.Add(Message(A, 0));
        held.TurnFailed(new InvalidOperationException("boom"), time.GetUtcNow());

        Assert.That(held.Report(progress, PauseReasons.None, out _), Is.EqualTo(ProgressChange.None), "just held");
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.That(held.Report(progress, PauseReasons.None, out string? why), Is.EqualTo(ProgressChange.Stuck));
        Assert.That(why, Does.Contain("InvalidOperationException: boom"));
        Assert.That(held.Report(progress, PauseReasons.None, out _), Is.EqualTo(ProgressChange.None), "said once");

        held.Clear();
        Assert.Multiple(() =>
        {
            Assert.That(held.Report(progress, PauseReasons.None, out _), Is.EqualTo(ProgressChange.Unstuck));
            Assert.That(held.LastFailure, Is.Null, "moved: the failure is history");
            Assert.That(progress.HeldFor, Is.EqualTo(TimeSpan.Zero));
            Assert.That(held.Report(progress, PauseReasons.None, out _), Is.EqualTo(ProgressChange.None), "said once");
        });
    }

    [Test]
    public void Report_HeldWhileRedisIsUnavailable_IsNotStuck()
    {
        var time = new FakeTimeProvider();
        var progress = new ConsumerProgress(time, new ConsumerOptions { StuckAfter = TimeSpan.FromSeconds(30) });
        var held = new HeldMessages();
        held.Add(Message(A, 0));
        held.Report(progress, PauseReasons.RedisUnavailable, out _);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.That(held.Report(progress, PauseReasons.RedisUnavailable, out _), Is.EqualTo(ProgressChange.None));
    }

    private static PendingMessage Message(TopicPartition partition, long offset) => new(new ConsumeResult<byte[]?, byte[]?>
    {
        TopicPartitionOffset = new TopicPartitionOffset(partition, offset),
        Message = new Message<byte[]?, byte[]?> { Value = [] },
    });
}
