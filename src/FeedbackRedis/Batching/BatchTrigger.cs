namespace FeedbackRedis.Batching;

/// <summary>Why a batch was sealed.</summary>
public enum BatchTrigger
{
    /// <summary>The batch reached the batch size.</summary>
    Size,

    /// <summary>The batch's deadline passed.</summary>
    Time,

    /// <summary>More batches were open than allowed; the oldest were sealed early.</summary>
    Overflow,

    /// <summary>Hybrid mode: the open events of all agents reached the global batch size.</summary>
    Global,

    /// <summary>An operator sealed it (<c>feedbackctl flush</c>).</summary>
    Manual,

    /// <summary>A dead batch holding the items a flusher could not store, moved out of the batch they came in (<c>quarantinedFrom</c>).</summary>
    Quarantine,

    /// <summary>The batch's items reached the byte limit (<c>FEEDBACK_BATCH_MAX_BYTES</c> or the agent's policy).</summary>
    Bytes,
}
