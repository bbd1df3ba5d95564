using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Hosting.Health;

/// <summary>Ready while a Kafka broker answers a metadata request within 3 s. One admin client for the process.</summary>
/// <param name="logger">Takes librdkafka's log of the admin client (<see cref="KafkaClientLog"/>).</param>
public sealed class KafkaHealthCheck(IOptions<KafkaOptions> options, ILogger<KafkaHealthCheck> logger) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private readonly Lazy<IAdminClient> _admin = new(() =>
        new AdminClientBuilder(Config(options.Value))
            .SetLogHandler(KafkaClientLog.Handler(logger, "health-check"))
            .Build());

    /// <summary>The health client's settings: the service's shared client settings (TLS and SASL included), quiet on closed connections.</summary>
    internal static AdminClientConfig Config(KafkaOptions kafka) => new(kafka.ClientSettings()) { LogConnectionClose = false };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(Timeout), cancellationToken);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s)")
                : HealthCheckResult.Unhealthy("no Kafka broker answered");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy($"Kafka metadata request failed: {ex.Error.Reason}");
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
