using FeedbackRedis.Configuration;
using FeedbackRedis.Sinks;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>
/// Checks <see cref="FlusherOptions"/> at start-up: ranges and choices from <see cref="FeedbackSettings"/>, the file
/// sink's path and the retry delays' order. Each failure names the setting, the value and what is allowed.
/// </summary>
public sealed class FlusherOptionsValidator : IValidateOptions<FlusherOptions>
{
    public ValidateOptionsResult Validate(string? name, FlusherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(FlusherOptions.Section);
        check.Table(options);
        check.Require(
            nameof(options.FilePath),
            options.FilePath,
            options.Sink != SinkKind.File || !string.IsNullOrWhiteSpace(options.FilePath),
            "a file path when the sink is file");
        check.Require(
            nameof(options.RetryMaxDelay),
            $"{options.RetryMaxDelay.TotalMilliseconds:0} ms",
            options.RetryMaxDelay >= options.RetryBaseDelay,
            "at least RetryBaseDelay (FEEDBACK_FLUSH_RETRY_BASE_MS)");
        return check.Result();
    }
}
