namespace FeedbackRedis.Configuration;

/// <summary>What to do at start-up when a Redis setting could lose accepted events.</summary>
public enum StartupCheckMode
{
    /// <summary>Refuse to start. The default.</summary>
    Refuse,

    /// <summary>Start, logging a warning at every start.</summary>
    Warn,
}

/// <summary>
/// Redis connection settings, section <c>Feedback:Redis</c>. Defaults and allowed values: <see cref="FeedbackSettings"/>;
/// checked at start-up by <see cref="RedisOptionsValidator"/>.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = FeedbackSettings.Redis;

    /// <summary>
    /// StackExchange.Redis connection string (<c>FEEDBACK_REDIS_CONNECTION</c>), e.g.
    /// <c>redis:6379,password=...</c>. Never logged with its password.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>
    /// Start-up check of <c>maxmemory-policy</c> (<c>FEEDBACK_REDIS_EVICTION_CHECK</c>): refuse or warn when it is not
    /// <c>noeviction</c> (an evicting Redis silently loses accepted events).
    /// </summary>
    public StartupCheckMode EvictionCheck { get; set; } = StartupCheckMode.Refuse;

    /// <summary>
    /// Start-up check of persistence (<c>FEEDBACK_REDIS_PERSISTENCE_CHECK</c>): refuse or warn when a primary persists
    /// nothing (<c>appendonly no</c> and no RDB <c>save</c>), so that a restart loses its recorded Kafka offsets with
    /// its events. Milder risks are warnings either way.
    /// </summary>
    public StartupCheckMode PersistenceCheck { get; set; } = StartupCheckMode.Refuse;
}
