using FeedbackRedis.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Batching;

public static class BatchingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the batch engine: <see cref="BatchingOptions"/> and <see cref="RedisOptions"/> bound from configuration and
    /// validated at start-up, one Redis connection, the <see cref="RedisBatchStore"/> and its <see cref="StoreMetrics"/>.
    /// </summary>
    public static IServiceCollection AddBatchEngine(this IServiceCollection services)
    {
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchingOptions>, BatchingOptionsValidator>());
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StackExchange.Redis.IConnectionMultiplexer>(sp => RedisConnection.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value));
        services.AddMetrics();
        services.TryAddSingleton<StoreMetrics>();
        services.TryAddSingleton<RedisBatchStore>();
        return services;
    }
}
