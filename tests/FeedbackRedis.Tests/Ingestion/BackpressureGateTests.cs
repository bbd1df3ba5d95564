using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class BackpressureGateTests
{
    [Test]
    public void Pauses_at_the_high_water_mark_and_resumes_only_below_the_low_water_mark()
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
    public void Own_appends_move_the_estimate_between_readings()
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
    public void Unavailability_pauses_independently_of_the_water_marks()
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
    public void Dead_work_pauses_at_its_mark_and_resumes_below_90_percent_of_it()
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
    public void A_dead_mark_of_zero_never_pauses()
    {
        var gate = new BackpressureGate(highWater: 1_000, lowWater: 800, deadHighWater: 0);
        gate.ObserveDead(long.MaxValue);
        Assert.That(gate.ShouldPause, Is.False);
    }
}
