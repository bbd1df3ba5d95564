namespace FeedbackRedis.Ingestion;

/// <summary>Why the consumer's partitions are paused; none means they run.</summary>
[Flags]
public enum PauseReasons
{
    None = 0,

    /// <summary>Appends to Redis keep failing (down, timing out, out of memory, loading).</summary>
    RedisUnavailable = 1,

    /// <summary>Pending events reached the high-water mark and have not yet fallen below the low-water mark.</summary>
    HighWater = 2,

    /// <summary>Dead letters could not be delivered to the dead-letter topic.</summary>
    DeadLetterUnavailable = 4,

    /// <summary>A turn failed for a reason of the consumer's own; it waits (polling, taking nothing new) to try again.</summary>
    Retrying = 8,

    /// <summary>
    /// Events in dead batches reached <c>FEEDBACK_DEAD_HIGH_WATER</c>: the sink refuses what it is given (a validator
    /// deployed by mistake, a schema change), so taking more would only park it dead until Redis is full. Resumes below
    /// 90% of the mark, once an operator replays or drops the dead work.
    /// </summary>
    DeadWork = 16,
}
