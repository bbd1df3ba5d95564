using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Hosting;

/// <summary>Process settings, section <c>Feedback:Host</c>. Defaults and ranges: <see cref="FeedbackSettings"/>.</summary>
public sealed class FeedbackHostOptions
{
    public const string Section = FeedbackSettings.Host;

    /// <summary>What this process runs (<c>FEEDBACK_ROLE</c>): consumer, flusher or all.</summary>
    public ServiceRole Role { get; set; } = ServiceRole.All;

    /// <summary>Port of the health and metrics endpoints (<c>FEEDBACK_HTTP_PORT</c>); 0 picks a free one.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>Time to finish or release in-flight work on shutdown (<c>FEEDBACK_SHUTDOWN_TIMEOUT_MS</c>).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);
}

/// <summary>Checks <see cref="FeedbackHostOptions"/> at start-up: ranges and choices from <see cref="FeedbackSettings"/>.</summary>
public sealed class FeedbackHostOptionsValidator : IValidateOptions<FeedbackHostOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedbackHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(FeedbackHostOptions.Section);
        check.Table(options);
        return check.Result();
    }
}
