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
