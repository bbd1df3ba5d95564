using Confluent.Kafka;
using FeedbackRedis.Flushing;
using FeedbackRedis.Hosting.Health;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Kafka;

/// <summary>
/// The configuration that reaches librdkafka: every Kafka client the service builds (consumer, dead-letter producer,
/// announcement producer, health check) gets the same connection and security entries, and librdkafka builds each of
/// them with real certificate and key material (it loads and checks the files and PEM when a client is created).
/// </summary>
[Category(TestCategories.Unit)]
public sealed class KafkaClientSettingsTests
{
    private TestCertificates _pki = null!;

    [OneTimeSetUp]
    public void MakeCertificates() => _pki = TestCertificates.Create();

    [OneTimeTearDown]
    public void DeleteCertificates() => _pki.Dispose();

    /// <summary>Each client of the service, with the config its own builder makes.</summary>
    internal static IEnumerable<(string Client, ClientConfig Config)> EveryClient(KafkaOptions kafka) =>
    [
        ("consumer", IngestionKafkaConfig.Consumer(kafka, new ConsumerOptions())),
        ("dead-letter producer", IngestionKafkaConfig.DeadLetterProducer(kafka, new ConsumerOptions())),
        ("announcement producer", KafkaFlushedBatchPublisher.ProducerConfig(kafka, new FlusherOptions())),
        ("health check", KafkaHealthCheck.Config(kafka)),
    ];

    private static Dictionary<string, string> Security(ClientConfig config) => config
        .Where(e => e.Key.StartsWith("ssl.", StringComparison.Ordinal) || e.Key.StartsWith("sasl.", StringComparison.Ordinal)
            || e.Key is "security.protocol" or "bootstrap.servers")
        .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private KafkaOptions MutualTlsFiles() => new()
    {
        BootstrapServers = "localhost:1",
        SecurityProtocol = "SSL",
        SslCaLocation = _pki.CaFile,
        SslCertificateLocation = _pki.ClientCertificateFile,
        SslKeyLocation = _pki.EncryptedClientKeyFile,
        SslKeyPassword = TestCertificates.KeyPassword,
    };

    private KafkaOptions MutualTlsPem() => new()
    {
        BootstrapServers = "localhost:1",
        SecurityProtocol = "sasl_ssl",
        SaslMechanism = "scram-sha-512",
        SaslUsername = "svc",
        SaslPassword = "pw",
        SslCaPem = _pki.CaPem,
        SslCertificatePem = _pki.ClientCertificatePem,
        SslKeyPem = _pki.ClientKeyPem,
        SslEndpointIdentification = "NONE",
    };

    [Test]
    public void EveryClient_GetsTheSameTlsFilesPasswordAndEndpointIdentification()
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = "localhost:1",
            ["security.protocol"] = "ssl",
            ["ssl.ca.location"] = _pki.CaFile,
            ["ssl.certificate.location"] = _pki.ClientCertificateFile,
            ["ssl.key.location"] = _pki.EncryptedClientKeyFile,
            ["ssl.key.password"] = TestCertificates.KeyPassword,
            ["ssl.endpoint.identification.algorithm"] = "https",
        };

        Assert.Multiple(() =>
        {
            foreach (var (client, config) in EveryClient(MutualTlsFiles()))
            {
                Assert.That(Security(config), Is.EquivalentTo(expected), client);
            }
        });
    }

    [Test]
    public void EveryClient_GetsTheSameTlsPemTextAndSasl()
    {
        var kafka = MutualTlsPem();
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = "localhost:1",
            ["security.protocol"] = "sasl_ssl",
            ["sasl.mechanism"] = "SCRAM-SHA-512",
            ["sasl.username"] = "svc",
            ["sasl.password"] = "pw",
            ["ssl.ca.pem"] = _pki.CaPem,
            ["ssl.certificate.pem"] = _pki.ClientCertificatePem,
            ["ssl.key.pem"] = _pki.ClientKeyPem,
            ["ssl.endpoint.identification.algorithm"] = "none",
        };

        Assert.Multiple(() =>
        {
            Assert.That(Security(new ClientConfig(kafka.ClientSettings())), Is.EquivalentTo(expected), "the shared settings");
            foreach (var (client, config) in EveryClient(kafka))
            {
                Assert.That(Security(config), Is.EquivalentTo(expected), client);
            }
        });
    }

    [Test]
    public void WithoutTls_NoClientGetsAnySslSetting()
    {
        Assert.Multiple(() =>
        {
            foreach (var (client, config) in EveryClient(new KafkaOptions()))
            {
                Assert.That(config.Select(e => e.Key), Has.None.StartsWith("ssl."), client);
                Assert.That(config.Get("security.protocol"), Is.EqualTo("plaintext"), client);
            }
        });
    }

    [Test]
    public void Librdkafka_BuildsEveryClient_WithTheTlsFilesAndWithThePemText()
    {
        Assert.Multiple(() =>
        {
            foreach (var kafka in new[] { MutualTlsFiles(), MutualTlsPem() })
            {
                foreach (var (client, config) in EveryClient(kafka))
                {
                    Assert.DoesNotThrow(() => Build(config), $"{client} ({kafka.SecurityProtocol})");
                }
            }
        });
    }

    [Test]
    public void Librdkafka_KeyThatIsNotTheCertificates_IsRefusedSoTheMaterialReachesIt()
    {
        using var other = TestCertificates.Create();
        var kafka = MutualTlsPem();
        kafka.SslKeyPem = other.ClientKeyPem;

        Assert.Multiple(() =>
        {
            foreach (var (client, config) in EveryClient(kafka))
            {
                Assert.That(() => Build(config), Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("key values mismatch"), client);
            }
        });
    }

    /// <summary>Builds (and disposes) the librdkafka client that <paramref name="config"/> is for.</summary>
    internal static void Build(ClientConfig config)
    {
        switch (config)
        {
            case ConsumerConfig consumer:
                using (new ConsumerBuilder<byte[]?, byte[]?>(consumer).SetLogHandler((_, _) => { }).Build())
                {
                }

                break;
            case ProducerConfig producer:
                using (new ProducerBuilder<byte[]?, byte[]?>(producer).SetLogHandler((_, _) => { }).Build())
                {
                }

                break;
            case AdminClientConfig admin:
                using (new AdminClientBuilder(admin).SetLogHandler((_, _) => { }).Build())
                {
                }

                break;
            default:
                throw new ArgumentException($"no builder for {config.GetType().Name}", nameof(config));
        }
    }
}
