using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class BackpressureGateTests
{
    [Test]
    public void Gate_PausesAtTheHighWaterMark_ResumesOnlyBelowTheLowWaterMark()
    {
        var gate = new BackpressureGate(highWater: 100, lowWater: 80);

        gate.ObservePending(99);
        Assert.That(gate.ShouldPause, Is.False);
        gate.ObservePending(100);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.HighWater));
        gate.ObservePending(90);
        Assert.That(gate.ShouldPause, Is.True, "between the marks the gate stays as it was");
        gate.ObservePending(80);
        Assert.That(gate.ShouldPause, Is.True, "the low-water mark itself does not resume");
        gate.ObservePending(79);
        Assert.That(gate.ShouldPause, Is.False);
        gate.ObservePending(90);
        Assert.That(gate.ShouldPause, Is.False, "between the marks the gate stays as it was");
    }

    [Test]
    public void Gate_OwnAppends_MoveTheEstimateBetweenReadings()
    {
        var gate = new BackpressureGate(highWater: 100, lowWater: 80);
        gate.ObservePending(90);

        gate.Added(9);
        Assert.That(gate.ShouldPause, Is.False);
        gate.Added(1);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.HighWater));
        Assert.That(gate.LastPending, Is.EqualTo(100));
    }

    [Test]
    public void Gate_Unavailability_PausesIndependentlyOfTheWaterMarks()
    {
        var gate = new BackpressureGate(highWater: 100, lowWater: 80);

        gate.Set(PauseReasons.RedisUnavailable, true);
        gate.ObservePending(0);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.RedisUnavailable));
        Assert.That(gate.ShouldPauseForUnavailability(), Is.True);

        gate.ObservePending(100);
        gate.Set(PauseReasons.RedisUnavailable, false);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.HighWater));
        Assert.That(gate.ShouldPauseForUnavailability(), Is.False);

        gate.Set(PauseReasons.DeadLetterUnavailable, true);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.HighWater | PauseReasons.DeadLetterUnavailable));
    }

    [Test]
    public void Gate_DeadWork_PausesAtItsMarkAndResumesBelow90PercentOfIt()
    {
        var gate = new BackpressureGate(highWater: 1_000, lowWater: 800, deadHighWater: 100);

        gate.ObserveDead(99);
        Assert.That(gate.ShouldPause, Is.False);
        gate.ObserveDead(100);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.DeadWork));
        gate.ObservePending(0);
        Assert.That(gate.Reasons, Is.EqualTo(PauseReasons.DeadWork), "independent of the pending marks");
        gate.ObserveDead(90);
        Assert.That(gate.ShouldPause, Is.True, "90% itself does not resume");
        gate.ObserveDead(89);
        Assert.That(gate.ShouldPause, Is.False);
    }

    [Test]
    public void Gate_DeadMarkOfZero_NeverPauses()
    {
        var gate = new BackpressureGate(highWater: 1_000, lowWater: 800, deadHighWater: 0);
        gate.ObserveDead(long.MaxValue);
        Assert.That(gate.ShouldPause, Is.False);
    }
}
