using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>When the consumer pauses or resumes its whole assignment, and when it says so.</summary>
[Category(TestCategories.Unit)]
public sealed class PauseSwitchTests
{
    [Test]
    public void Decide_GateClosesAndOpens_PausesOnceThenResumesOnce()
    {
        var pause = new PauseSwitch();
        Assert.That(Step(pause, shouldPause: false), Is.EqualTo(default(PauseStep)), "running: nothing to do");

        Assert.That(Step(pause, shouldPause: true), Is.EqualTo(new PauseStep(PauseAction.Pause, Announce: true)));
        Assert.That(pause.Paused, Is.True);
        Assert.That(Step(pause, shouldPause: true), Is.EqualTo(default(PauseStep)), "already paused");

        Assert.That(Step(pause, shouldPause: false), Is.EqualTo(new PauseStep(PauseAction.Resume, Announce: true)));
        Assert.That(pause.Paused, Is.False);
        Assert.That(Step(pause, shouldPause: false), Is.EqualTo(default(PauseStep)), "already running");
    }

    [Test]
    public void Decide_AssignmentChanged_RepeatsThePauseOrTheResumeSilently()
    {
        var pause = new PauseSwitch();
        pause.AssignmentChanged();
        Assert.That(Step(pause, shouldPause: false), Is.EqualTo(new PauseStep(PauseAction.Resume, Announce: false)),
            "a partition paused before, revoked and assigned back keeps librdkafka's pause flag: resume it");
        Assert.That(Step(pause, shouldPause: false), Is.EqualTo(default(PauseStep)), "once per assignment");

        Step(pause, shouldPause: true);
        pause.AssignmentChanged();
        Assert.That(Step(pause, shouldPause: true), Is.EqualTo(new PauseStep(PauseAction.Pause, Announce: false)),
            "partitions assigned while paused are paused too");
    }

    [Test]
    public void Decide_NotApplied_ChangesNothing()
    {
        var pause = new PauseSwitch();
        pause.AssignmentChanged();
        var first = pause.Decide(shouldPause: true);
        var again = pause.Decide(shouldPause: true);
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.EqualTo(first), "a step that failed (Pause threw) is asked for again");
            Assert.That(pause.Paused, Is.False);
        });
    }

    private static PauseStep Step(PauseSwitch pause, bool shouldPause)
    {
        var step = pause.Decide(shouldPause);
        pause.Applied(step);
        return step;
    }
}
