using System.CommandLine;
using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.Control;

/// <summary>
/// The options every command shares. Defaults come from the same FEEDBACK_* environment the service reads, so
/// inside a pod <c>feedbackctl status</c> needs no arguments.
/// </summary>
internal sealed class CtlConnection
{
    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = "Redis connection string (default: FEEDBACK_REDIS_CONNECTION, else localhost:6379)",
        Recursive = true,
    };

    public Option<string?> Prefix { get; } = new("--prefix")
    {
        Description = "Key prefix (default: FEEDBACK_KEY_PREFIX, else feedback)",
        Recursive = true,
    };

    public Option<int?> Shards { get; } = new("--shards")
    {
        Description = "Key layout: 0 standalone, N Redis Cluster shards (default: FEEDBACK_REDIS_SHARDS, else 0)",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable JSON output",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Redis);
        root.Options.Add(Prefix);
        root.Options.Add(Shards);
        root.Options.Add(Json);
    }

    /// <summary>The service's settings from the environment, overridden by the command line.</summary>
    public (RedisOptions Redis, BatchingOptions Batching) Resolve(ParseResult parse)
    {
        var configuration = new ConfigurationBuilder().AddFeedbackEnvironment().Build();
        var redis = configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var batching = configuration.GetSection(BatchingOptions.Section).Get<BatchingOptions>() ?? new BatchingOptions();
        if (parse.GetValue(Redis) is { } connection)
        {
            redis.ConnectionString = connection;
        }

        if (parse.GetValue(Prefix) is { } prefix)
        {
            batching.KeyPrefix = prefix;
        }

        if (parse.GetValue(Shards) is { } shards)
        {
            batching.RedisShards = shards;
        }

        var check = new BatchingOptionsValidator().Validate(null, batching);
        if (check.Failed)
        {
            throw new CtlUsageException(check.FailureMessage);
        }

        return (redis, batching);
    }
}
