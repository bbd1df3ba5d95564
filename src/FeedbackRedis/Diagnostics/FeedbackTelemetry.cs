namespace FeedbackRedis.Diagnostics;

/// <summary>The names every metric and log of FeedbackRedis shares.</summary>
public static class FeedbackTelemetry
{
    /// <summary>The one meter name; every instrument (<see cref="FeedbackInstruments"/>) is <c>feedback.*</c> under it (Prometheus: <c>feedback_*</c>).</summary>
    public const string MeterName = "FeedbackRedis";
}
