using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KafkaOptions"/> from <c>Feedback:Kafka</c> and validates them at start-up (<see cref="KafkaOptionsValidator"/>).
    /// Safe to call more than once (the host and the consumer role both do): the options are bound once.
    /// </summary>
    public static IServiceCollection AddKafkaOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<KafkaOptions>) && d.ImplementationType == typeof(KafkaOptionsValidator)))
        {
            return services;
        }

        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        return services;
    }
}
