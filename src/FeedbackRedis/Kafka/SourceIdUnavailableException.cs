namespace FeedbackRedis.Kafka;

/// <summary>
/// The consumer cannot start: <c>FEEDBACK_SOURCE_ID</c> is empty and the Kafka cluster id could not be learnt or cannot
/// serve as a source id. The message says why and what to set.
/// </summary>
public sealed class SourceIdUnavailableException : Exception
{
    public SourceIdUnavailableException()
    {
    }

    public SourceIdUnavailableException(string message)
        : base(message)
    {
    }

    public SourceIdUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
