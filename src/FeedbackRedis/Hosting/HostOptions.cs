using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Hosting;

/// <summary>Process settings, section <c>Feedback:Host</c>.</summary>
public sealed class FeedbackHostOptions
{
    public const string Section = "Feedback:Host";

    /// <summary>What this process runs (<c>FEEDBACK_ROLE</c>): consumer, flusher or all. Default all.</summary>
    public ServiceRole Role { get; set; } = ServiceRole.All;

    /// <summary>Port of the health and metrics endpoints (<c>FEEDBACK_HTTP_PORT</c>). Default 8080; 0 to 65,535 (0 picks a free one).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>
    /// Time to finish or release in-flight work on shutdown (<c>FEEDBACK_SHUTDOWN_TIMEOUT_MS</c>). Default 25 s;
    /// 1 s to 10 minutes.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);
}

/// <summary>Checks <see cref="FeedbackHostOptions"/> at start-up.</summary>
public sealed class FeedbackHostOptionsValidator : IValidateOptions<FeedbackHostOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedbackHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(FeedbackHostOptions.Section);
        check.Defined(nameof(options.Role), options.Role);
        check.Range(nameof(options.HttpPort), options.HttpPort, 0, 65_535);
        check.Range(nameof(options.ShutdownTimeout), options.ShutdownTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        return check.Result();
    }
}
