using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Diagnostics;

/// <summary>Says at start-up whether tracing is on, where spans go and how they are sampled, or why it is off.</summary>
public sealed partial class FeedbackTracingStartup(FeedbackTracingSettings settings, ILogger<FeedbackTracingStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Enabled)
        {
            LogTracingOn(settings.Endpoint!, settings.Protocol, settings.ServiceName, settings.Sampler, settings.LinkLimit);
        }
        else
        {
            LogTracingOff(settings.Why);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
