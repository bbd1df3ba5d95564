using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Ingestion;

/// <summary>Checks <see cref="ConsumerOptions"/> at start-up; each failure names the setting, the value and the range.</summary>
public sealed class ConsumerOptionsValidator : IValidateOptions<ConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(ConsumerOptions.Section);
        check.Range(nameof(options.MaxBatch), options.MaxBatch, 1, 10_000);
        check.Range(nameof(options.AppendsInFlight), options.AppendsInFlight, 1, 64);
        check.Range(nameof(options.MaxWait), options.MaxWait, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10));
        check.Range(nameof(options.PendingHighWater), options.PendingHighWater, 1, 1_000_000_000);
        check.Range(nameof(options.PendingLowWater), options.PendingLowWater, 0, 1_000_000_000);
        check.Require(
            nameof(options.PendingLowWater),
            options.PendingLowWater,
            options.PendingLowWater < options.PendingHighWater,
            $"less than FEEDBACK_PENDING_HIGH_WATER ({options.PendingHighWater:N0})");
        check.Range(nameof(options.DeadHighWater), options.DeadHighWater, 0, 1_000_000_000);
        check.Range(nameof(options.PendingCheckInterval), options.PendingCheckInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        check.Range(nameof(options.CommitSafety), options.CommitSafety, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        check.Range(nameof(options.CommitInterval), options.CommitInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        check.Range(nameof(options.SessionTimeout), options.SessionTimeout, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(5));
        check.Range(nameof(options.StuckAfter), options.StuckAfter, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1));
        check.Range(nameof(options.DeadLetterTimeout), options.DeadLetterTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        return check.Result();
    }
}
