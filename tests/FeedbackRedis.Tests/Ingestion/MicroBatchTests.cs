using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class MicroBatchTests
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(100);

    /// <summary>A source that yields <paramref name="available"/> messages, each taking <paramref name="gap"/> of fake time, then none.</summary>
    private static Func<TimeSpan, string?> Source(FakeTimeProvider time, int available, TimeSpan gap, List<TimeSpan> waits)
    {
        int given = 0;
        return wait =>
        {
            waits.Add(wait);
            if (given < available && gap <= wait)
            {
                time.Advance(gap);
                return $"m{given++}";
            }

            time.Advance(wait);
            return null;
        };
    }

    [Test]
    public void Fill_MessagesKeepComing_StopsAtTheCountLimit()
    {
        var time = new FakeTimeProvider();
        var batch = new List<string>();

        int added = MicroBatch.Fill(batch, Source(time, 10_000, TimeSpan.Zero, []), 500, MaxWait, Idle, time, CancellationToken.None);

        Assert.That(added, Is.EqualTo(500));
        Assert.That(batch, Has.Count.EqualTo(500));
    }

    [Test]
    public void Fill_MaxWaitPassedSinceTheFirstMessage_Stops()
    {
        var time = new FakeTimeProvider();
        var batch = new List<string>();
        var waits = new List<TimeSpan>();

        // one message every 20 ms: the first, then two more within 50 ms, then the wait runs out
        int added = MicroBatch.Fill(batch, Source(time, 100, TimeSpan.FromMilliseconds(20), waits), 500, MaxWait, Idle, time, CancellationToken.None);

        Assert.That(added, Is.EqualTo(3));
        Assert.That(waits[0], Is.EqualTo(Idle), "the first message is awaited for the idle poll time");
        Assert.That(waits.Skip(1), Has.All.LessThanOrEqualTo(MaxWait), "later messages only for what is left of max wait");
    }

    [Test]
    public void Fill_IdlePoll_ReturnsNothing()
    {
        var time = new FakeTimeProvider();
        var batch = new List<string>();
        var waits = new List<TimeSpan>();

        int added = MicroBatch.Fill(batch, Source(time, 0, TimeSpan.Zero, waits), 500, MaxWait, Idle, time, CancellationToken.None);

        Assert.That(added, Is.Zero);
        Assert.That(waits, Is.EqualTo(new[] { Idle }));
    }

    [Test]
    public void Fill_MessagesAlreadyHeld_CountTowardsTheLimit()
    {
        var time = new FakeTimeProvider();
        var batch = new List<string> { "held-1", "held-2" };

        int added = MicroBatch.Fill(batch, Source(time, 100, TimeSpan.Zero, []), 5, MaxWait, Idle, time, CancellationToken.None);

        Assert.That(added, Is.EqualTo(3));
        Assert.That(batch, Is.EqualTo(new[] { "held-1", "held-2", "m0", "m1", "m2" }));
    }

    [Test]
    public void Fill_CancelledToken_TakesNoMoreMessages()
    {
        var time = new FakeTimeProvider();
        using var cts = new CancellationTokenSource();
        var batch = new List<string>();
        int calls = 0;
        string? Next(TimeSpan _)
        {
            calls++;
            if (calls == 2)
            {
                cts.Cancel();
            }

            return "m";
        }

        int added = MicroBatch.Fill(batch, Next, 500, MaxWait, Idle, time, cts.Token);

        Assert.That(added, Is.EqualTo(2));
    }
}
