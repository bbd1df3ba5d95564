namespace FeedbackRedis.Batching;

/// <summary>Where a released batch went.</summary>
public enum ReleaseOutcome
{
    /// <summary>Back to ready: claimable again (after the retry delay, if any).</summary>
    Ready,

    /// <summary>Parked as dead with its reason, until an operator replays it.</summary>
    Dead,

    /// <summary>Nothing happened: the caller no longer holds the lease.</summary>
    Stale,
}
