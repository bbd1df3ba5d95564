using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Hosting;

/// <summary>
/// At start-up, reads Redis's <c>maxmemory-policy</c>: anything but <c>noeviction</c> can silently drop accepted
/// batches, so the service refuses to start (or, with <c>FEEDBACK_REDIS_EVICTION_CHECK=warn</c>, warns loudly).
/// A Redis that hides CONFIG (some managed services) cannot be checked: that is a warning, not a refusal.
/// </summary>
public sealed partial class RedisEvictionCheck(IOptions<RedisOptions> options, ILogger<RedisEvictionCheck> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string redacted = RedisConnection.Redacted(options.Value);
        LogRedis(logger, redacted);
        string? policy = await ReadPolicyAsync();
        if (policy is null || policy == "noeviction")
        {
            return;
        }

        string problem = $"Redis maxmemory-policy is '{policy}': Redis may evict batches and lose accepted events. "
            + "Set 'maxmemory-policy noeviction' (or FEEDBACK_REDIS_EVICTION_CHECK=warn to start anyway).";
        if (options.Value.EvictionCheck == EvictionCheck.Refuse)
        {
            throw new InvalidOperationException(problem);
        }

        LogEvictingRedis(logger, problem);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<string?> ReadPolicyAsync()
    {
        // CONFIG is an admin command: a short-lived admin connection for this one read keeps the service's own
        // connection without admin rights.
        var config = ConfigurationOptions.Parse(options.Value.ConnectionString);
        config.AllowAdmin = true;
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5_000);
        config.ClientName = "feedback-redis-eviction-check";
        try
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(config);
            var reply = (RedisResult[]?)await admin.GetDatabase().ExecuteAsync("CONFIG", "GET", "maxmemory-policy");
            return reply is { Length: 2 } ? (string?)reply[1] : null;
        }
        catch (RedisServerException ex)
        {
            LogPolicyUnreadable(logger, ex.Message);
            return null;
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            LogPolicyUnreadable(logger, "Redis unreachable at start-up; the check runs at the next start");
            return null;
        }
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Redis: {Connection}")]
    private static partial void LogRedis(ILogger logger, string connection);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogEvictingRedis(ILogger logger, string problem);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Could not read Redis maxmemory-policy ({Reason}); make sure it is noeviction")]
    private static partial void LogPolicyUnreadable(ILogger logger, string reason);
}
