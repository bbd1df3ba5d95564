using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Flushing;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FeedbackRedis.Hosting;

/// <summary>Builds the service host for one role from configuration, environment and arguments.</summary>
public static class FeedbackHost
{
    /// <summary>
    /// Adds the <c>FEEDBACK_*</c> environment, reads the role (<c>--role</c> beats <c>FEEDBACK_ROLE</c>) and adds that
    /// role's services.
    /// </summary>
    public static IHostApplicationBuilder AddFeedbackRedis(this IHostApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddFeedbackEnvironment();
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--role"] = $"{FeedbackHostOptions.Section}:{nameof(FeedbackHostOptions.Role)}",
        });
        builder.Services.AddOptions<FeedbackHostOptions>().BindConfiguration(FeedbackHostOptions.Section).ValidateOnStart();
        builder.Services.Configure<HostOptions>(o =>
            o.ShutdownTimeout = builder.Configuration.GetSection(FeedbackHostOptions.Section).Get<FeedbackHostOptions>()?.ShutdownTimeout
                ?? new FeedbackHostOptions().ShutdownTimeout);
        builder.Services.AddBatchEngine();
        builder.Services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateOnStart();

        var role = builder.Configuration.GetSection(FeedbackHostOptions.Section).Get<FeedbackHostOptions>()?.Role ?? ServiceRole.All;
        if (role is ServiceRole.Consumer or ServiceRole.All)
        {
            builder.Services.AddIngestion();
        }

        if (role is ServiceRole.Flusher or ServiceRole.All)
        {
            builder.Services.AddFlushing();
        }

        return builder;
    }
}
