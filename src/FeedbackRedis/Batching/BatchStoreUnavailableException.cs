namespace FeedbackRedis.Batching;

/// <summary>
/// Redis could not carry out an operation: unreachable, timed out, loading, read-only, or out of memory. The
/// operation either happened whole or not at all (each is one script); callers retry it.
/// </summary>
public sealed class BatchStoreUnavailableException : Exception
{
    public BatchStoreUnavailableException()
    {
    }

    public BatchStoreUnavailableException(string message)
        : base(message)
    {
    }

    public BatchStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
