using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.File;

public static class FileSinkServiceCollectionExtensions
{
    /// <summary>Registers the file sink as <see cref="SinkKind.File"/>, writing to the file <paramref name="options"/> gives.</summary>
    public static IServiceCollection AddFileSink(this IServiceCollection services, Func<IServiceProvider, FileSinkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new SinkRegistration(SinkKind.File, sp => new FileFeedbackSink(
            options(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FileFeedbackSink>>())));
        return services;
    }
}
