using FeedbackRedis.Sinks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeedbackRedis.Hosting.Health;

/// <summary>Ready while the flusher's sink says it can take writes (<see cref="IFeedbackSink.CheckAsync"/>).</summary>
public sealed class SinkHealthCheck(IFeedbackSink sink) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await sink.CheckAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy($"{sink.Name} sink reachable");
}
