namespace FeedbackRedis.Ingestion;

/// <summary>
/// Turns the <see cref="BackpressureGate"/>'s verdict into what to do with the consumer's assignment: pause it when the
/// gate closes, resume it when it opens, and do either again after every new assignment (partitions assigned while
/// paused must be paused too; librdkafka keeps a partition's pause flag across assignments, so a partition paused,
/// revoked and assigned back later must be resumed explicitly). <see cref="Decide"/> changes nothing;
/// <see cref="Applied"/> records the step once the consumer carried it out. Not thread-safe: the consumer loop owns it.
/// </summary>
public sealed class PauseSwitch
{
    private bool _assignmentChanged;

    /// <summary>The assignment is paused.</summary>
    public bool Paused { get; private set; }

    /// <summary>Partitions were assigned: the next step pauses or resumes the whole assignment again.</summary>
    public void AssignmentChanged() => _assignmentChanged = true;

    /// <summary>What to do now that the gate says <paramref name="shouldPause"/>.</summary>
    public PauseStep Decide(bool shouldPause)
    {
        if (shouldPause)
        {
            return !Paused || _assignmentChanged ? new PauseStep(PauseAction.Pause, Announce: !Paused) : default;
        }

        return Paused || _assignmentChanged ? new PauseStep(PauseAction.Resume, Announce: Paused) : default;
    }

    /// <summary>The consumer carried out <paramref name="step"/> (the one <see cref="Decide"/> gave).</summary>
    public void Applied(PauseStep step)
    {
        if (step.Action == PauseAction.Pause)
        {
            Paused = true;
        }
        else if (step.Action == PauseAction.Resume)
        {
            Paused = false;
        }

        _assignmentChanged = false;
    }
}

/// <summary>One step of <see cref="PauseSwitch"/>.</summary>
/// <param name="Action">Pause or resume the whole assignment, or nothing.</param>
/// <param name="Announce">The state changes (log it, count it), rather than repeating it for a new assignment.</param>
public readonly record struct PauseStep(PauseAction Action, bool Announce);

/// <summary>What <see cref="PauseSwitch.Decide"/> asks of the consumer.</summary>
public enum PauseAction
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Pause the whole assignment.</summary>
    Pause,

    /// <summary>Resume the whole assignment.</summary>
    Resume,
}
