using Confluent.Kafka;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Kafka;

/// <summary>
/// What the TLS settings make librdkafka do on the wire, against <see cref="TlsProbeServer"/> (a TLS listener standing
/// in for a broker, up to the end of the handshake: the librdkafka mock cluster has no TLS). Each client of the service,
/// built from its own config, verifies the broker against the configured CA, checks its host name unless endpoint
/// identification is none, and presents the client certificate. Nothing here runs Kafka over TLS end to end.
/// </summary>
public sealed class KafkaTlsHandshakeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>How long a handshake that must not happen is waited for (librdkafka retries every 100 ms to 10 s).</summary>
    private static readonly TimeSpan NoHandshakeWait = TimeSpan.FromSeconds(4);

    private static KafkaOptions MutualTls(TestCertificates pki, int port, string endpointIdentification = "https") => new()
    {
        BootstrapServers = $"localhost:{port}",
        SecurityProtocol = "ssl",
        SslCaLocation = pki.CaFile,
        SslCertificateLocation = pki.ClientCertificateFile,
        SslKeyLocation = pki.EncryptedClientKeyFile,
        SslKeyPassword = TestCertificates.KeyPassword,
        SslEndpointIdentification = endpointIdentification,
    };

    [TestCase("consumer")]
    [TestCase("dead-letter producer")]
    [TestCase("announcement producer")]
    [TestCase("health check")]
    public async Task EachClient_VerifiesTheBroker_AndPresentsTheClientCertificate(string client)
    {
        using var pki = TestCertificates.Create();
        using var broker = TlsProbeServer.Start(pki.Server);
        var config = KafkaClientSettingsTests.EveryClient(MutualTls(pki, broker.Port)).Single(c => c.Client == client).Config;

        using var connecting = Connect(config);
        string? subject = await broker.WaitForHandshakeAsync(Patience, connecting.Poke);

        Assert.That(subject, Is.EqualTo($"CN={TestCertificates.ClientName}"), () => $"server-side failures: {string.Join("; ", broker.Failures)}");
    }

    [Test]
    public async Task BrokerCertificateForAnotherHost_IsRefusedWithHttps_AndAcceptedWithNone()
    {
        using var pki = TestCertificates.Create(serverHost: "broker.example");
        using var broker = TlsProbeServer.Start(pki.Server);

        using (var strict = Connect(KafkaClientSettingsTests.EveryClient(MutualTls(pki, broker.Port)).Single(c => c.Client == "health check").Config))
        {
            Assert.That(await broker.WaitForHandshakeAsync(NoHandshakeWait, strict.Poke), Is.Null, "https: localhost is not broker.example");
            Assert.That(broker.Connections, Is.GreaterThan(0), "the client did try");
        }

        using var lax = Connect(KafkaClientSettingsTests.EveryClient(MutualTls(pki, broker.Port, "none")).Single(c => c.Client == "health check").Config);
        Assert.That(await broker.WaitForHandshakeAsync(Patience, lax.Poke), Is.EqualTo($"CN={TestCertificates.ClientName}"), "none: the name is not checked, the CA still is");
    }

    [Test]
    public async Task BrokerSignedByAnotherCa_IsRefused()
    {
        using var pki = TestCertificates.Create();
        using var stranger = TestCertificates.Create();
        using var broker = TlsProbeServer.Start(stranger.Server);

        using var client = Connect(KafkaClientSettingsTests.EveryClient(MutualTls(pki, broker.Port, "none")).Single(c => c.Client == "health check").Config);

        Assert.That(await broker.WaitForHandshakeAsync(NoHandshakeWait, client.Poke), Is.Null);
        Assert.That(broker.Connections, Is.GreaterThan(0), "the client did try");
    }

    /// <summary>Builds the client and returns something that makes it (re)connect each time it is poked.</summary>
    private static Connection Connect(ClientConfig config)
    {
        switch (config)
        {
            case ConsumerConfig c:
                var consumer = new ConsumerBuilder<byte[]?, byte[]?>(c).SetLogHandler((_, _) => { }).Build();
                consumer.Subscribe("tls-probe");
                return new Connection(consumer, () => Quietly(() => consumer.Consume(TimeSpan.FromMilliseconds(100))));
            case ProducerConfig p:
                var producer = new ProducerBuilder<byte[]?, byte[]?>(p).SetLogHandler((_, _) => { }).Build();
                producer.Produce("tls-probe", new Message<byte[]?, byte[]?> { Value = [1] });
                return new Connection(producer, () => producer.Poll(TimeSpan.FromMilliseconds(100)));
            case AdminClientConfig a:
                var admin = new AdminClientBuilder(a).SetLogHandler((_, _) => { }).Build();
                return new Connection(admin, () => Quietly(() => admin.GetMetadata(TimeSpan.FromMilliseconds(200))));
            default:
                throw new ArgumentException($"no client for {config.GetType().Name}", nameof(config));
        }
    }

    private static void Quietly(Action action)
    {
        try
        {
            action();
        }
        catch (KafkaException)
        {
            // the probe speaks no Kafka: requests fail after the handshake
        }
    }

    private sealed class Connection(IDisposable client, Action poke) : IDisposable
    {
        public Action Poke { get; } = poke;

        public void Dispose() => client.Dispose();
    }
}
