namespace FeedbackRedis.Batching;

/// <summary>Parts of a <see cref="BatchPolicy"/>, e.g. the ones to remove from an agent's override.</summary>
[Flags]
public enum PolicyParts
{
    None = 0,

    /// <summary><c>batch_size</c>.</summary>
    BatchSize = 1,

    /// <summary><c>batch_time_ms</c>.</summary>
    BatchTime = 2,

    /// <summary><c>max_bytes</c>.</summary>
    MaxBytes = 4,
}
