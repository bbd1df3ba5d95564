using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

public static class MongoSinkServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MongoDB sink as <see cref="SinkKind.MongoDb"/>: <see cref="MongoSinkOptions"/> bound and validated
    /// at start-up, one <see cref="IMongoClient"/>, and the sink, made only when it is the one selected.
    /// </summary>
    public static IServiceCollection AddMongoDbSink(this IServiceCollection services)
    {
        services.AddOptions<MongoSinkOptions>().BindConfiguration(MongoSinkOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MongoSinkOptions>, MongoSinkOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMongoClient>(sp => new MongoClient(sp.GetRequiredService<IOptions<MongoSinkOptions>>().Value.Uri));
        services.AddSingleton(new SinkRegistration(SinkKind.MongoDb, sp => ActivatorUtilities.CreateInstance<MongoFeedbackSink>(sp)));
        return services;
    }
}
