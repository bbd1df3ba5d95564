namespace FeedbackRedis.Sinks;

/// <summary>What became of one batch in a sink write; the flusher acts on it (docs/FLUSHING.md).</summary>
public enum SinkOutcome
{
    /// <summary>Every event is in the sink (already being there counts). Announce, then ack.</summary>
    Written,

    /// <summary>
    /// The sink as a whole could not be reached (network, no primary, circuit open, disk). Not the batch's fault:
    /// the lease is given back without using up an attempt, and the flusher pauses claiming with backoff.
    /// </summary>
    Unavailable,

    /// <summary>
    /// A transient failure of this batch's write (write conflict, time limit, unknown error). Retried later with
    /// backoff; dead with its reason when its attempts are used up.
    /// </summary>
    Failed,

    /// <summary>
    /// The sink refused the batch's data (document too large, validation). Not retried in the sink; the batch is
    /// tried again on later claims and is dead with its reason when its attempts are used up.
    /// </summary>
    Rejected,

    /// <summary>An item cannot be read (or can never be stored): retrying cannot help, so the batch is dead at once.</summary>
    Invalid,
}
