using FeedbackRedis.Batching;
using FeedbackRedis.Hosting.Health;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Sinks.MongoDb;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace FeedbackRedis.Flushing;

public static class FlushingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the flusher role: <see cref="FlusherOptions"/> and <see cref="MongoSinkOptions"/> bound and validated at
    /// start-up, the configured sink (<c>FEEDBACK_SINK</c>), the Kafka announcer, the <see cref="BatchFlusher"/> and its
    /// hosted loop. Needs the batch engine (<see cref="BatchingServiceCollectionExtensions.AddBatchEngine"/>).
    /// </summary>
    public static IServiceCollection AddFlushing(this IServiceCollection services)
    {
        services.AddOptions<FlusherOptions>().BindConfiguration(FlusherOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FlusherOptions>, FlusherOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FlusherOptions>, AnnouncementSizeValidator>());
        services.AddOptions<MongoSinkOptions>().BindConfiguration(MongoSinkOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MongoSinkOptions>, MongoSinkOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => FlusherIdentity.Create());
        services.TryAddSingleton<IMongoClient>(sp => new MongoClient(sp.GetRequiredService<IOptions<MongoSinkOptions>>().Value.Uri));
        services.TryAddSingleton<IFeedbackSink>(sp => sp.GetRequiredService<IOptions<FlusherOptions>>().Value.Sink switch
        {
            SinkKind.File => ActivatorUtilities.CreateInstance<FileFeedbackSink>(sp),
            _ => ActivatorUtilities.CreateInstance<MongoFeedbackSink>(sp),
        });
        services.TryAddSingleton<IFlushedBatchPublisher, KafkaFlushedBatchPublisher>();
        services.AddMetrics();
        services.TryAddSingleton<FlusherMetrics>();
        services.TryAddSingleton<BatchFlusher>();
        services.AddHealthChecks().AddCheck<SinkHealthCheck>("sink", tags: [HealthTags.Ready]);
        services.AddHostedService<FlusherService>();
        return services;
    }
}
