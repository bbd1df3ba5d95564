using System.Diagnostics.Metrics;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// The consumer role in the test process, wired as the service wires it (batch engine + <c>AddIngestion</c>), with
/// captured logs and the real meter factory, for tests that read metrics and logs.
/// </summary>
public sealed class ConsumerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ConsumerHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public FakeLogCollector Logs => _host.Services.GetRequiredService<FakeLogCollector>();

    public IMeterFactory MeterFactory => _host.Services.GetRequiredService<IMeterFactory>();

    public FeedbackConsumer Consumer => _host.Services.GetServices<IHostedService>().OfType<FeedbackConsumer>().Single();

    /// <summary>Builds the host (not started) with <paramref name="settings"/> on top of test defaults.</summary>
    /// <param name="configure">More wiring after the consumer's (tracing, say).</param>
    public static ConsumerHost Create(
        KafkaTestCluster kafka, string keyPrefix, IDictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var config = new Dictionary<string, string?>(kafka.Configuration())
        {
            ["Feedback:Redis:ConnectionString"] = SharedRedis.Server.ConnectionString,
            ["Feedback:Batching:KeyPrefix"] = keyPrefix,
            ["Feedback:Batching:Mode"] = "Agent",
            ["Feedback:Batching:BatchSize"] = "10000",
            ["Feedback:Consumer:CommitInterval"] = "00:00:00.200",
            ["Feedback:Consumer:SessionTimeout"] = "00:00:06",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFakeLogging();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.AddBatchEngine();
        builder.Services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section);
        builder.Services.AddIngestion();
        configure?.Invoke(builder);
        return new ConsumerHost(builder.Build());
    }

    public Task StartAsync() => _host.StartAsync();

    public Task StopAsync() => _host.StopAsync();

    /// <summary>Log messages so far, one per line.</summary>
    public string LogText => string.Join('\n', Logs.GetSnapshot().Select(r => $"{r.Level}: {r.Message}"));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }
}
