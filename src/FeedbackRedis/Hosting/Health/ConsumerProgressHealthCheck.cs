using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeedbackRedis.Hosting.Health;

/// <summary>Not live while the consumer holds messages that make no progress for a reason of its own (<see cref="ConsumerProgress"/>).</summary>
public sealed class ConsumerProgressHealthCheck(ConsumerProgress progress) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(progress.Stuck() is { } why
            ? HealthCheckResult.Unhealthy(why)
            : HealthCheckResult.Healthy(progress.HeldFor == TimeSpan.Zero ? "nothing held" : $"held {progress.HeldFor.TotalSeconds:0} s, waiting"));
}
