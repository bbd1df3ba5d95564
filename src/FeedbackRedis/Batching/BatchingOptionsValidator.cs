using FeedbackRedis.Items;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Batching;

/// <summary>Checks <see cref="BatchingOptions"/> at start-up; each failure names the setting, the value and the range.</summary>
public sealed class BatchingOptionsValidator : IValidateOptions<BatchingOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(BatchingOptions.Section);
        check.Range(nameof(options.BatchSize), options.BatchSize, 1, 100_000);
        check.Range(nameof(options.BatchTime), options.BatchTime, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));
        check.Range(nameof(options.MaxOpenBatches), options.MaxOpenBatches, 1, 10_000_000);
        check.Defined(nameof(options.Mode), options.Mode);
        check.Range(nameof(options.GlobalBatchSize), options.GlobalBatchSize, 2, 1_000_000);
        check.Range(nameof(options.GlobalShards), options.GlobalShards, 1, 1_024);
        check.Range(nameof(options.LeaseDuration), options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        check.Range(nameof(options.MaxAttempts), options.MaxAttempts, 1, 100);
        check.Range(nameof(options.MaxItemBytes), options.MaxItemBytes, 64, 1_048_576);
        check.Require(
            nameof(options.KeyPrefix),
            options.KeyPrefix,
            AgentIds.IsValid(options.KeyPrefix) && options.KeyPrefix.Length <= 64,
            "1 to 64 of A-Z, a-z, 0-9, '_', '-', '.'");
        check.Range(nameof(options.RedisShards), options.RedisShards, 0, 1_024);
        check.Range(nameof(options.WaitReplicas), options.WaitReplicas, 0, 16);
        check.Range(nameof(options.WaitTimeout), options.WaitTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(60));
        check.Defined(nameof(options.Clock), options.Clock);
        return check.Result();
    }
}
