namespace FeedbackRedis.Hosting;

/// <summary>What a process runs (<c>FEEDBACK_ROLE</c> or <c>--role</c>).</summary>
public enum ServiceRole
{
    /// <summary>Reads Kafka and appends to Redis.</summary>
    Consumer,

    /// <summary>Seals due batches, claims ready ones and writes them to the sink.</summary>
    Flusher,

    /// <summary>Both, in one process: for local runs.</summary>
    All,
}
