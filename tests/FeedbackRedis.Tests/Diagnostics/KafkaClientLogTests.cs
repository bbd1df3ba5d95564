using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Flushing;
using FeedbackRedis.Hosting.Health;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// librdkafka's own log reaches the service's log for the clients built outside the consumer (the consumer and its
/// dead-letter producer use the same handler): real librdkafka clients pointed at a loopback port nobody listens on,
/// whose refused connections librdkafka logs at its error level.
/// </summary>
public sealed class KafkaClientLogTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [TestCase(SyslogLevel.Emergency, LogLevel.Error)]
    [TestCase(SyslogLevel.Error, LogLevel.Error)]
    [TestCase(SyslogLevel.Warning, LogLevel.Warning)]
    [TestCase(SyslogLevel.Notice, LogLevel.Debug)]
    [TestCase(SyslogLevel.Debug, LogLevel.Debug)]
    public void SyslogLevels_MapOntoLogLevels(SyslogLevel syslog, LogLevel level) =>
        Assert.That(KafkaClientLog.LevelOf(syslog), Is.EqualTo(level));

    [Test]
    public async Task HealthCheckAdminClient_ForwardsLibrdkafkasLog_AsEvent7000()
    {
        var logger = new FakeLogger<KafkaHealthCheck>();
        using var check = new KafkaHealthCheck(MsOptions.Create(new KafkaOptions { BootstrapServers = ClosedPort() }), logger);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
        await Eventually.WaitAsync(() => Forwarded(logger.Collector, "health-check").Count > 0, Patience, () => Show(logger.Collector));
        var record = Forwarded(logger.Collector, "health-check")[0];
        Assert.That(record.Level, Is.EqualTo(LogLevel.Error), "a refused connection is a librdkafka error");
        Assert.That(record.Message, Does.StartWith("librdkafka health-check "));
    }

    [Test]
    public async Task AnnouncementProducer_ForwardsLibrdkafkasLog_AsEvent7000()
    {
        var logger = new FakeLogger<KafkaFlushedBatchPublisher>();
        using var publisher = new KafkaFlushedBatchPublisher(
            MsOptions.Create(new KafkaOptions { BootstrapServers = ClosedPort() }), MsOptions.Create(new FlusherOptions()), logger);

        await Eventually.WaitAsync(() => Forwarded(logger.Collector, "announcement-producer").Count > 0, Patience, () => Show(logger.Collector));
        Assert.That(Forwarded(logger.Collector, "announcement-producer")[0].Message, Does.StartWith("librdkafka announcement-producer "));
    }

    private static List<FakeLogRecord> Forwarded(FakeLogCollector logs, string client) =>
    [
        .. logs.GetSnapshot().Where(r => r.Id.Id == 7000 && r.Id.Name == "LogKafkaClient"
            && r.StructuredState!.Any(kv => kv.Key == "Client" && kv.Value == client)),
    ];

    private static string Show(FakeLogCollector logs) =>
        "no librdkafka line forwarded; log: " + string.Join(" | ", logs.GetSnapshot().Select(r => $"{r.Id.Id} {r.Level} {r.Message}"));

    /// <summary>A loopback port that was free a moment ago: connecting to it is refused.</summary>
    private static string ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"127.0.0.1:{port}";
    }
}
