using FeedbackRedis.Configuration;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>Opens the process's one Redis connection.</summary>
public static class RedisConnection
{
    /// <summary>
    /// Connects without failing when Redis is down at start: operations then throw
    /// <see cref="BatchStoreUnavailableException"/> until it is back, and the connection heals itself.
    /// </summary>
    public static IConnectionMultiplexer Connect(RedisOptions options, string clientName = "feedback-redis")
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = ConfigurationOptions.Parse(options.ConnectionString);
        config.AbortOnConnectFail = false;
        config.ClientName ??= clientName;
        return ConnectionMultiplexer.Connect(config);
    }

    /// <summary>The connection string without its password, for logs.</summary>
    public static string Redacted(RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ConfigurationOptions.Parse(options.ConnectionString).ToString(includePassword: false);
    }
}
