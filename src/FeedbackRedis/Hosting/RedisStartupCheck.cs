using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Hosting;

/// <summary>
/// At start-up, before any role touches Redis, reads every primary's settings over one short-lived admin connection
/// (in a cluster, each primary the connection finds; replicas are skipped):
/// <list type="bullet">
/// <item><c>maxmemory-policy</c>: anything but <c>noeviction</c> can silently drop accepted batches, so the service
/// refuses to start (or, with <c>FEEDBACK_REDIS_EVICTION_CHECK=warn</c>, warns).</item>
/// <item><c>appendonly</c>, <c>appendfsync</c>, <c>save</c> and <c>INFO replication</c>: one line per setting saying
/// what it can lose and what the offsets Redis records cover (<see cref="RedisPersistence"/>). A primary that persists
/// nothing is refused (or, with <c>FEEDBACK_REDIS_PERSISTENCE_CHECK=warn</c>, warned about).</item>
/// </list>
/// A Redis that hides CONFIG (some managed services) cannot be checked: that is a warning, not a refusal.
/// </summary>
public sealed partial class RedisStartupCheck(
    IOptions<RedisOptions> options, IOptions<BatchingOptions> batching, ILogger<RedisStartupCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string redacted = RedisConnection.Redacted(options.Value);
        LogRedis(redacted);
        var refusals = new List<string>();
        await using var admin = await ConnectAdminAsync();
        foreach (var server in admin.GetServers().Where(s => !s.IsReplica))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string node = EndPointCollection.ToString(server.EndPoint);
            try
            {
                if (await CheckEvictionAsync(server, node) is { } eviction)
                {
                    refusals.Add(eviction);
                }

                refusals.AddRange(await CheckPersistenceAsync(server, node));
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                string reason = $"Redis {node} unreachable at start-up; the check runs at the next start";
                LogPolicyUnreadable(reason);
                LogPersistenceUnreadable(reason);
            }
        }

        if (refusals.Count > 0)
        {
            throw new UnsafeRedisException(string.Join(" ", refusals));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<ConnectionMultiplexer> ConnectAdminAsync()
    {
        // CONFIG is an admin command: a short-lived admin connection for these reads keeps the service's own
        // connection without admin rights.
        var config = ConfigurationOptions.Parse(options.Value.ConnectionString);
        config.AllowAdmin = true;
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5_000);
        config.ClientName = "feedback-redis-startup-check";
        return await ConnectionMultiplexer.ConnectAsync(config);
    }

    /// <summary>The refusal when this primary may evict and the check refuses; null when fine, unreadable or warned.</summary>
    private async Task<string?> CheckEvictionAsync(IServer server, string node)
    {
        string? policy;
        try
        {
            policy = await ConfigAsync(server, "maxmemory-policy");
        }
        catch (RedisServerException ex)
        {
            LogPolicyUnreadable(ex.Message);
            return null;
        }

        if (policy is null || policy == "noeviction")
        {
            return null;
        }

        string problem = $"Redis {node} maxmemory-policy is '{policy}': Redis may evict batches and lose accepted events. "
            + "Set 'maxmemory-policy noeviction' (or FEEDBACK_REDIS_EVICTION_CHECK=warn to start anyway).";
        if (options.Value.EvictionCheck == StartupCheckMode.Refuse)
        {
            return problem;
        }

        LogEvictingRedis(problem);
        return null;
    }

    /// <summary>Logs one line per persistence setting of this primary; returns the refusals.</summary>
    private async Task<List<string>> CheckPersistenceAsync(IServer server, string node)
    {
        var refusals = new List<string>();
        RedisPersistence settings;
        try
        {
            settings = new RedisPersistence(
                node,
                await ConfigAsync(server, "appendonly") ?? "",
                await ConfigAsync(server, "appendfsync") ?? "",
                await ConfigAsync(server, "save") ?? "",
                await ConnectedReplicasAsync(server));
        }
        catch (RedisServerException ex)
        {
            LogPersistenceUnreadable(ex.Message);
            return refusals;
        }

        foreach (var finding in settings.Assess(batching.Value.WaitReplicas))
        {
            switch (finding.Risk)
            {
                case PersistenceRisk.Refuse when options.Value.PersistenceCheck == StartupCheckMode.Refuse:
                    refusals.Add(finding.Message);
                    break;
                case PersistenceRisk.Refuse or PersistenceRisk.Warn:
                    LogPersistenceRisk(finding.Message);
                    break;
                default:
                    LogPersistenceCovered(finding.Message);
                    break;
            }
        }

        return refusals;
    }

    private static async Task<string?> ConfigAsync(IServer server, string name)
    {
        var pairs = await server.ConfigGetAsync(name);
        return Array.Find(pairs, p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
    }

    /// <summary><c>connected_slaves</c> of <c>INFO replication</c> (0 when absent).</summary>
    private static async Task<int> ConnectedReplicasAsync(IServer server)
    {
        var info = await server.InfoAsync("replication");
        string? count = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "connected_slaves").Value;
        return int.TryParse(count, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : 0;
    }
}
