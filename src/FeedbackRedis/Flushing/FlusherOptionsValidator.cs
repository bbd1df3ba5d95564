using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>Checks <see cref="FlusherOptions"/> at start-up; each failure names the setting, the value and the range.</summary>
public sealed class FlusherOptionsValidator : IValidateOptions<FlusherOptions>
{
    public ValidateOptionsResult Validate(string? name, FlusherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(FlusherOptions.Section);
        check.Range(nameof(options.PollInterval), options.PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        check.Range(nameof(options.MaxWriteEvents), options.MaxWriteEvents, 1, 100_000);
        check.Range(nameof(options.MaxWriteBatches), options.MaxWriteBatches, 1, 10_000);
        check.Defined(nameof(options.Sink), options.Sink);
        check.Require(
            nameof(options.FilePath),
            options.FilePath,
            options.Sink != SinkKind.File || !string.IsNullOrWhiteSpace(options.FilePath),
            "a file path when the sink is file");
        check.Range(nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        check.Range(nameof(options.RetryMaxDelay), options.RetryMaxDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        check.Require(
            nameof(options.RetryMaxDelay),
            $"{options.RetryMaxDelay.TotalMilliseconds:0} ms",
            options.RetryMaxDelay >= options.RetryBaseDelay,
            "at least RetryBaseDelay (FEEDBACK_FLUSH_RETRY_BASE_MS)");
        check.Range(nameof(options.PublishTimeout), options.PublishTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        check.Range(nameof(options.AnnouncementMaxBytes), options.AnnouncementMaxBytes, 1_000, 1_000_000_000);
        check.Range(nameof(options.DrainTimeout), options.DrainTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        check.Range(nameof(options.TestPauseBeforeAck), options.TestPauseBeforeAck, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        return check.Result();
    }
}
