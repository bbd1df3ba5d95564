using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Flushing;
using FeedbackRedis.Hosting.Health;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace FeedbackRedis.Hosting;

/// <summary>Builds the service for one role from configuration, environment and arguments; maps health and metrics.</summary>
public static class FeedbackHost
{
    /// <summary>
    /// Adds the <c>FEEDBACK_*</c> environment, reads the role (<c>--role</c> beats <c>FEEDBACK_ROLE</c>), and adds the
    /// engine, that role's services, health checks and Prometheus metrics.
    /// </summary>
    public static WebApplicationBuilder AddFeedbackRedis(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddFeedbackEnvironment();
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--role"] = $"{FeedbackHostOptions.Section}:{nameof(FeedbackHostOptions.Role)}",
        });
        FeedbackEnvironment.ThrowIfUnreadable(builder.Configuration); // a sentence, not a binder's stack trace
        builder.Configuration.AddFormerPaths(); // after every source: a former path counts from wherever it is set
        var host = builder.Configuration.GetSection(FeedbackHostOptions.Section).Get<FeedbackHostOptions>() ?? new FeedbackHostOptions();
        builder.Services.AddOptions<FeedbackHostOptions>().BindConfiguration(FeedbackHostOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<FeedbackHostOptions>, FeedbackHostOptionsValidator>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = host.ShutdownTimeout);
        builder.WebHost.UseUrls($"http://+:{host.HttpPort}");
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        // Probes and scrapes hit the HTTP endpoints every few seconds: ASP.NET's per-request lines would drown the log.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // Registration order is start order: the eviction and persistence checks run before any role touches Redis.
        builder.Services.AddHostedService(sp => new FormerNamesNotice(
            sp.GetRequiredService<ILogger<FormerNamesNotice>>(), FeedbackEnvironment.FormerNamesUsed(configuration: sp.GetRequiredService<IConfiguration>())));
        builder.Services.AddHostedService<RedisStartupCheck>();
        builder.Services.AddBatchEngine();
        builder.Services.AddHostedService<StoreGaugeRefresher>();
        builder.Services.AddKafkaOptions();

        builder.Services.AddHealthChecks()
            .AddCheck<LoopsAliveHealthCheck>("loops", tags: [HealthTags.Live])
            .AddCheck<RedisHealthCheck>("redis", tags: [HealthTags.Ready])
            .AddCheck<KafkaHealthCheck>("kafka", tags: [HealthTags.Ready]);
        builder.Services.AddSingleton<KafkaHealthCheck>();

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(FeedbackTelemetry.MeterName)
            .AddPrometheusExporter());
        // Spans over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracer provider at all (docs/OPERATIONS.md, "Tracing").
        builder.Services.AddFeedbackTracing(builder.Configuration);

        if (host.Role is ServiceRole.Consumer or ServiceRole.All)
        {
            builder.Services.AddIngestion();
            builder.Services.AddHealthChecks().AddCheck<ConsumerProgressHealthCheck>("consumer-progress", tags: [HealthTags.Live]);
        }

        if (host.Role is ServiceRole.Flusher or ServiceRole.All)
        {
            builder.Services.AddFlushing();
            builder.Services.AddHealthChecks().AddCheck<SinkHealthCheck>("sink", tags: [HealthTags.Ready]);
            builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<FlusherOptions>, ShutdownBudgetValidator>();
        }

        return builder;
    }

    /// <summary>
    /// Builds and runs the service until it is stopped (SIGTERM, Ctrl-C). A configuration error stops start-up with one
    /// line naming the setting (exit code 2) instead of a stack trace; an unsafe Redis or an unknowable source id one
    /// line saying why (exit code 1); any other start-up failure exits 1.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var builder = WebApplication.CreateSlimBuilder(args);
            builder.AddFeedbackRedis(args);
            await using var app = builder.Build();
            ValidateSettings(app.Services);
            app.MapFeedbackEndpoints();
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is Microsoft.Extensions.Options.OptionsValidationException or FeedbackConfigurationException)
        {
            await Console.Error.WriteLineAsync($"feedback-redis: configuration error: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is UnsafeRedisException or SourceIdUnavailableException)
        {
            await Console.Error.WriteLineAsync($"feedback-redis: refusing to start: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Runs every <c>ValidateOnStart</c> check before the host starts, so that a bad setting is the one line of
    /// <see cref="RunAsync"/>, not also the host's "Hosting failed to start" with a stack trace. Several options classes
    /// failing at once are one exception with every sentence once.
    /// </summary>
    private static void ValidateSettings(IServiceProvider services)
    {
        try
        {
            services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is Microsoft.Extensions.Options.OptionsValidationException))
        {
            var failures = ex.InnerExceptions.Cast<Microsoft.Extensions.Options.OptionsValidationException>().ToList();
            throw new Microsoft.Extensions.Options.OptionsValidationException(
                failures[0].OptionsName, failures[0].OptionsType, failures.SelectMany(f => f.Failures).Distinct(StringComparer.Ordinal));
        }
    }

    /// <summary>Maps <c>/healthz/live</c>, <c>/healthz/ready</c> and <c>/metrics</c>.</summary>
    public static WebApplication MapFeedbackEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
