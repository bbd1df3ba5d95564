using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Checks <see cref="ConsumerOptions"/> at start-up: ranges from <see cref="FeedbackSettings"/>, and the low-water mark
/// below the high-water mark. Each failure names the setting, the value and what is allowed.
/// </summary>
public sealed class ConsumerOptionsValidator : IValidateOptions<ConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(ConsumerOptions.Section);
        check.Table(options);
        check.Require(
            nameof(options.PendingLowWater),
            options.PendingLowWater,
            options.PendingLowWater < options.PendingHighWater,
            $"less than FEEDBACK_PENDING_HIGH_WATER ({options.PendingHighWater:N0})");
        return check.Result();
    }
}
