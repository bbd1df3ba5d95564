namespace FeedbackRedis.Hosting.Health;

/// <summary>Which endpoint a health check belongs to.</summary>
public static class HealthTags
{
    /// <summary><c>/healthz/live</c>: the process's loops are running (restart it if not).</summary>
    public const string Live = "live";

    /// <summary><c>/healthz/ready</c>: its dependencies answer (send it no work if not).</summary>
    public const string Ready = "ready";
}
