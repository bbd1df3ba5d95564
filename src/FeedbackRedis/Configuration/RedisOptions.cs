namespace FeedbackRedis.Configuration;

/// <summary>What to do at start-up when Redis's <c>maxmemory-policy</c> could evict batches.</summary>
public enum EvictionCheck
{
    /// <summary>Refuse to start. The default: an evicting Redis silently loses accepted events.</summary>
    Refuse,

    /// <summary>Start, logging a warning at every start.</summary>
    Warn,
}

/// <summary>Redis connection settings, section <c>Feedback:Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string Section = "Feedback:Redis";

    /// <summary>
    /// StackExchange.Redis connection string (<c>FEEDBACK_REDIS_CONNECTION</c>), e.g.
    /// <c>redis:6379,password=...</c>. Default <c>localhost:6379</c>. Never logged with its password.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>Start-up check of <c>maxmemory-policy</c> (<c>FEEDBACK_REDIS_EVICTION_CHECK</c>): refuse or warn. Default refuse.</summary>
    public EvictionCheck EvictionCheck { get; set; } = EvictionCheck.Refuse;
}
