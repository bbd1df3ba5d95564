using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FeedbackRedis.Diagnostics;

/// <summary>Registers tracing from the <c>OTEL_*</c> variables (<see cref="FeedbackTracingSettings"/>): off unless an endpoint is set.</summary>
public static class FeedbackTracingSetup
{
    /// <summary>
    /// With an OTLP endpoint set: a tracer provider over the <see cref="FeedbackTracing.SourceName"/> source and the MongoDB
    /// driver's own (<see cref="MongoTelemetry.ActivitySourceName"/>), exporting over OTLP; sampler, resource, limits and
    /// exporter settings as the <c>OTEL_*</c> variables say. Without one: no tracer provider, so nothing listens to either
    /// source and no span is ever created. Either way a start-up line says which (<see cref="FeedbackTracingStartup"/>).
    /// </summary>
    /// <exception cref="Configuration.FeedbackConfigurationException">An <c>OTEL_*</c> variable is not valid.</exception>
    public static IServiceCollection AddFeedbackTracing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = FeedbackTracingSettings.Read(configuration);
        services.AddSingleton(settings);
        services.AddHostedService<FeedbackTracingStartup>();
        if (!settings.Enabled)
        {
            return services;
        }

        FeedbackTracing.LinkLimit = settings.LinkLimit;
        services.AddOpenTelemetry().WithTracing(tracing =>
        {
            if (!settings.ServiceNameSet)
            {
                tracing.ConfigureResource(resource => resource.AddService(FeedbackTracingSettings.DefaultServiceName));
            }

            tracing.AddSource(FeedbackTracing.SourceName, MongoTelemetry.ActivitySourceName).AddOtlpExporter();
        });
        return services;
    }
}
