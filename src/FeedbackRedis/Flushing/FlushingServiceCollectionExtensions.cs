using Microsoft.Extensions.DependencyInjection;

namespace FeedbackRedis.Flushing;

public static class FlushingServiceCollectionExtensions
{
    /// <summary>Adds the flusher role: sealed batches into the sink.</summary>
    public static IServiceCollection AddFlushing(this IServiceCollection services) =>
        throw new NotImplementedException("The flusher role arrives with issue 4.");
}
