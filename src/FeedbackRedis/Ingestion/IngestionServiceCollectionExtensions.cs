using FeedbackRedis.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the consumer role: Kafka into Redis (<see cref="FeedbackConsumer"/>), with <see cref="ConsumerOptions"/> bound
    /// from configuration and validated at start-up. Needs the batch engine (<c>AddBatchEngine</c>).
    /// </summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddOptions<ConsumerOptions>().BindConfiguration(ConsumerOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsumerOptions>, ConsumerOptionsValidator>());
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IngestionMetrics>();
        services.TryAddSingleton(sp => new ConsumerProgress(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ConsumerOptions>>().Value));
        services.AddHostedService<FeedbackConsumer>();
        return services;
    }
}
