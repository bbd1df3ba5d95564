using Microsoft.Extensions.DependencyInjection;

namespace FeedbackRedis.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>Adds the consumer role: Kafka into Redis.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services) =>
        throw new NotImplementedException("The consumer role arrives with issue 3.");
}
