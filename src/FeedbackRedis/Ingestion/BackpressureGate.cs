namespace FeedbackRedis.Ingestion;

/// <summary>
/// Decides whether the consumer's partitions should be paused: while Redis or the dead-letter topic cannot take writes,
/// and from the moment pending events reach the high-water mark until they fall below the low-water mark (hysteresis,
/// so the partitions do not flap around one number), and while events in dead batches are at the dead-work mark
/// (<paramref name="deadHighWater"/>, 0 = off) until they fall below 90% of it. Not thread-safe: the consumer loop owns it.
/// </summary>
public sealed class BackpressureGate(long highWater, long lowWater, long deadHighWater = 0)
{
    /// <summary>The current reasons to pause; <see cref="PauseReasons.None"/> to run.</summary>
    public PauseReasons Reasons { get; private set; }

    public bool ShouldPause => Reasons != PauseReasons.None;

    /// <summary>The latest pending count read.</summary>
    public long LastPending { get; private set; }

    /// <summary>Takes a pending-events reading.</summary>
    public void ObservePending(long pending)
    {
        LastPending = pending;
        if (pending >= highWater)
        {
            Reasons |= PauseReasons.HighWater;
        }
        else if (pending < lowWater)
        {
            Reasons &= ~PauseReasons.HighWater;
        }
    }

    /// <summary>The latest dead-events count read.</summary>
    public long LastDead { get; private set; }

    /// <summary>Takes a reading of the events in dead batches.</summary>
    public void ObserveDead(long dead)
    {
        LastDead = dead;
        if (deadHighWater > 0 && dead >= deadHighWater)
        {
            Reasons |= PauseReasons.DeadWork;
        }
        else if (deadHighWater == 0 || dead < deadHighWater - (deadHighWater / 10))
        {
            Reasons &= ~PauseReasons.DeadWork;
        }
    }

    /// <summary>True while Redis or the dead-letter topic is known to be unavailable.</summary>
    public bool ShouldPauseForUnavailability() =>
        (Reasons & (PauseReasons.RedisUnavailable | PauseReasons.DeadLetterUnavailable)) != PauseReasons.None;

    /// <summary>
    /// Adds this consumer's own appends to the last reading, so the gate closes within one micro-batch of the mark
    /// rather than one check interval; the next reading corrects the estimate (flushers drain, other consumers add).
    /// </summary>
    public void Added(long events) => ObservePending(LastPending + events);

    /// <summary>Sets or clears one of the unavailability reasons.</summary>
    public void Set(PauseReasons reason, bool on) => Reasons = on ? Reasons | reason : Reasons & ~reason;
}
