namespace FeedbackRedis.Hosting;

/// <summary>
/// A Redis setting would lose accepted events (an evicting <c>maxmemory-policy</c>, or a primary that persists
/// nothing) and its start-up check is set to refuse: the service does not start.
/// </summary>
public sealed class UnsafeRedisException : InvalidOperationException
{
    public UnsafeRedisException()
    {
    }

    public UnsafeRedisException(string message)
        : base(message)
    {
    }

    public UnsafeRedisException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
