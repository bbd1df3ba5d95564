using FeedbackRedis.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the consumer role: Kafka into Redis (<see cref="FeedbackConsumer"/>), with <see cref="ConsumerOptions"/> and
    /// <see cref="KafkaOptions"/> bound from configuration and validated at start-up, and the source id of fallback event
    /// ids settled before the consumer starts (<see cref="SourceIdResolver"/>). Needs the batch engine (<c>AddBatchEngine</c>).
    /// </summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddOptions<ConsumerOptions>().BindConfiguration(ConsumerOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsumerOptions>, ConsumerOptionsValidator>());
        services.AddKafkaOptions();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IngestionMetrics>();
        services.TryAddSingleton(sp => new ConsumerProgress(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ConsumerOptions>>().Value));
        services.TryAddSingleton<SourceIdentity>();
        services.AddHostedService<SourceIdResolver>(); // registration order is start order: before the consumer
        services.AddHostedService<FeedbackConsumer>();
        return services;
    }
}
