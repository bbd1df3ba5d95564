namespace FeedbackRedis.Batching;

/// <summary>How a lease holder gives a batch back without acking it.</summary>
public enum ReleaseMode
{
    /// <summary>The write failed: ready again after a delay, or dead when its attempts are used up.</summary>
    Retry,

    /// <summary>The write failed permanently (e.g. the sink rejected the data): dead now.</summary>
    Dead,

    /// <summary>Not tried (e.g. shutting down): the attempt is given back and the batch is ready at once.</summary>
    Return,
}
