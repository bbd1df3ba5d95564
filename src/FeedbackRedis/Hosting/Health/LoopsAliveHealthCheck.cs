using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace FeedbackRedis.Hosting.Health;

/// <summary>
/// Live while every background loop of the role is still running: a loop that ended or crashed (its
/// <see cref="BackgroundService.ExecuteTask"/> completed) makes the process not live, so Kubernetes restarts it.
/// Each loop catches and logs per iteration, so only a real fault ends one.
/// </summary>
public sealed class LoopsAliveHealthCheck(IEnumerable<IHostedService> services, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Healthy("stopping"));
        }

        var ended = services.OfType<BackgroundService>()
            .Where(s => s.ExecuteTask is { IsCompleted: true })
            .Select(s => $"{s.GetType().Name} {(s.ExecuteTask!.IsFaulted ? "crashed: " + s.ExecuteTask.Exception!.GetBaseException().Message : "ended")}")
            .ToList();
        return Task.FromResult(ended.Count == 0
            ? HealthCheckResult.Healthy("all loops running")
            : HealthCheckResult.Unhealthy(string.Join("; ", ended)));
    }
}
