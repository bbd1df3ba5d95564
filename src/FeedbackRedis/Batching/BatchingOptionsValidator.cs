using FeedbackRedis.Configuration;
using FeedbackRedis.Items;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Batching;

/// <summary>
/// Checks <see cref="BatchingOptions"/> at start-up: ranges and choices from <see cref="FeedbackSettings"/>, and the key
/// prefix. Each failure names the setting, the value and what is allowed.
/// </summary>
public sealed class BatchingOptionsValidator : IValidateOptions<BatchingOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(BatchingOptions.Section);
        check.Table(options);
        check.Require(
            nameof(options.KeyPrefix),
            options.KeyPrefix,
            AgentIds.IsValid(options.KeyPrefix) && options.KeyPrefix.Length <= 64,
            "1 to 64 of A-Z, a-z, 0-9, '_', '-', '.'");
        return check.Result();
    }
}
