namespace FeedbackRedis.Batching;

/// <summary>Where a batch is in its life cycle.</summary>
public enum BatchState
{
    /// <summary>Taking items: <c>feedback:batch:&lt;member&gt;</c>.</summary>
    Open,

    /// <summary>Sealed, waiting for a flusher: in <c>feedback:ready</c>.</summary>
    Ready,

    /// <summary>Claimed under a lease: in <c>feedback:inflight</c>.</summary>
    InFlight,

    /// <summary>Parked after its attempts were used up, or rejected permanently: in <c>feedback:dead</c>.</summary>
    Dead,
}
