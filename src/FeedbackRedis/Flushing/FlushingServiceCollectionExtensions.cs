using FeedbackRedis.Batching;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Sinks.MongoDb;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

public static class FlushingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the flusher role: <see cref="FlusherOptions"/> and <see cref="MongoSinkOptions"/> bound and validated at
    /// start-up, the sinks (each registers itself; <c>FEEDBACK_SINK</c> selects one), the Kafka announcer, the <see cref="BatchFlusher"/> and its
    /// hosted loop. Needs the batch engine (<see cref="BatchingServiceCollectionExtensions.AddBatchEngine"/>).
    /// </summary>
    public static IServiceCollection AddFlushing(this IServiceCollection services)
    {
        services.AddOptions<FlusherOptions>().BindConfiguration(FlusherOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FlusherOptions>, FlusherOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FlusherOptions>, AnnouncementSizeValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => FlusherIdentity.Create());
        services.AddFileSink(sp => new FileSinkOptions(sp.GetRequiredService<IOptions<FlusherOptions>>().Value.FilePath));
        services.AddMongoDbSink();
        services.TryAddSingleton(SelectSink);
        services.TryAddSingleton<IFlushedBatchPublisher, KafkaFlushedBatchPublisher>();
        services.AddMetrics();
        services.TryAddSingleton<FlusherMetrics>();
        services.TryAddSingleton<BatchFlusher>();
        services.AddHostedService<FlusherService>();
        return services;
    }

    /// <summary>The sink <c>FEEDBACK_SINK</c> names, from the registrations the sinks made (one per kind).</summary>
    private static IFeedbackSink SelectSink(IServiceProvider services)
    {
        var kind = services.GetRequiredService<IOptions<FlusherOptions>>().Value.Sink;
        var registration = services.GetServices<SinkRegistration>().LastOrDefault(r => r.Kind == kind)
            ?? throw new InvalidOperationException($"No sink registered for FEEDBACK_SINK={kind}");
        return registration.Create(services);
    }
}
