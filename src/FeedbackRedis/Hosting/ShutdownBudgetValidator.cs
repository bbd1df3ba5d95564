using FeedbackRedis.Configuration;
using FeedbackRedis.Flushing;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Hosting;

/// <summary>
/// The flusher's drain timeout must fit inside the host's shutdown timeout, or a write in hand is cut off before its
/// leases are given back (they would then wait out their expiry instead).
/// </summary>
public sealed class ShutdownBudgetValidator(IOptions<FeedbackHostOptions> host) : IValidateOptions<FlusherOptions>
{
    public ValidateOptionsResult Validate(string? name, FlusherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var shutdown = host.Value.ShutdownTimeout;
        return options.DrainTimeout < shutdown
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{FeedbackEnvironment.Describe($"{FlusherOptions.Section}:{nameof(options.DrainTimeout)}")} is {options.DrainTimeout.TotalMilliseconds:0} ms; "
                + $"it must be below {FeedbackEnvironment.Describe($"{FeedbackHostOptions.Section}:{nameof(FeedbackHostOptions.ShutdownTimeout)}")}, {shutdown.TotalMilliseconds:0} ms.");
    }
}
