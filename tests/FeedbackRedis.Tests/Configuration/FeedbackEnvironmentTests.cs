using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Configuration;

[Category(TestCategories.Unit)]
public sealed class FeedbackEnvironmentTests
{
    /// <summary>The batching options an environment gives, bound and validated as the host does.</summary>
    internal static BatchingOptions Resolve(Dictionary<string, string?> environment)
    {
        var configuration = new ConfigurationBuilder().AddFeedbackEnvironment(environment).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddBatchEngine();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<BatchingOptions>>().Value;
    }

    [Test]
    public void SeedNames_MapOntoTheOptions()
    {
        var options = Resolve(new()
        {
            ["FEEDBACK_BATCH_SIZE"] = "75",
            ["FEEDBACK_BATCH_TIME_MS"] = "1500",
            ["FEEDBACK_MAX_BATCHES"] = "20",
            ["FEEDBACK_BATCHING_MODE"] = "global",
            ["FEEDBACK_LEASE_MS"] = "60000",
            ["FEEDBACK_KEY_PREFIX"] = "fb",
            ["FEEDBACK_CLOCK"] = "LOCAL",
        });

        Assert.Multiple(() =>
        {
            Assert.That(options.BatchSize, Is.EqualTo(75));
            Assert.That(options.BatchTime, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(options.MaxOpenBatches, Is.EqualTo(20));
            Assert.That(options.Mode, Is.EqualTo(BatchingMode.Global));
            Assert.That(options.LeaseDuration, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(options.KeyPrefix, Is.EqualTo("fb"));
            Assert.That(options.Clock, Is.EqualTo(ClockSource.Local));
        });
    }

    [Test]
    public void RedisWaitNames_MapOntoTheBatchingOptions()
    {
        var options = Resolve(new()
        {
            ["FEEDBACK_REDIS_WAIT_REPLICAS"] = "2",
            ["FEEDBACK_REDIS_WAIT_TIMEOUT_MS"] = "250",
        });

        Assert.Multiple(() =>
        {
            Assert.That(options.WaitReplicas, Is.EqualTo(2));
            Assert.That(options.WaitTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        });
    }

    [TestCase(null, StartupCheckMode.Refuse)]
    [TestCase("warn", StartupCheckMode.Warn)]
    [TestCase("REFUSE", StartupCheckMode.Refuse)]
    public void PersistenceCheck_MapsOntoTheRedisOptions_RefuseByDefault(string? value, StartupCheckMode expected)
    {
        var environment = value is null ? new Dictionary<string, string?>() : new() { ["FEEDBACK_REDIS_PERSISTENCE_CHECK"] = value };
        var configuration = new ConfigurationBuilder().AddFeedbackEnvironment(environment).Build();

        var options = configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();

        Assert.That(options.PersistenceCheck, Is.EqualTo(expected));
    }

    [Test]
    public void KafkaTlsAndSourceNames_MapOntoTheKafkaOptions_PemKeepingItsLines()
    {
        const string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        var configuration = new ConfigurationBuilder().AddFeedbackEnvironment(new Dictionary<string, string?>
        {
            ["FEEDBACK_KAFKA_SECURITY_PROTOCOL"] = "sasl_ssl",
            ["FEEDBACK_KAFKA_SSL_CA_LOCATION"] = "/etc/kafka/ca.crt",
            ["FEEDBACK_KAFKA_SSL_CA_PEM"] = pem,
            ["FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION"] = "/etc/kafka/tls.crt",
            ["FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM"] = pem,
            ["FEEDBACK_KAFKA_SSL_KEY_LOCATION"] = "/etc/kafka/tls.key",
            ["FEEDBACK_KAFKA_SSL_KEY_PEM"] = "key",
            ["FEEDBACK_KAFKA_SSL_KEY_PASSWORD"] = "pw",
            ["FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION"] = "none",
            ["FEEDBACK_SOURCE_ID"] = "eu-prod.2",
        }).Build();

        var options = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>()!;

        Assert.Multiple(() =>
        {
            Assert.That(options.SecurityProtocol, Is.EqualTo("sasl_ssl"));
            Assert.That(options.SslCaLocation, Is.EqualTo("/etc/kafka/ca.crt"));
            Assert.That(options.SslCaPem, Is.EqualTo(pem));
            Assert.That(options.SslCertificateLocation, Is.EqualTo("/etc/kafka/tls.crt"));
            Assert.That(options.SslCertificatePem, Is.EqualTo(pem));
            Assert.That(options.SslKeyLocation, Is.EqualTo("/etc/kafka/tls.key"));
            Assert.That(options.SslKeyPem, Is.EqualTo("key"));
            Assert.That(options.SslKeyPassword, Is.EqualTo("pw"));
            Assert.That(options.SslEndpointIdentification, Is.EqualTo("none"));
            Assert.That(options.SourceId, Is.EqualTo("eu-prod.2"));
        });
    }

    [Test]
    public void Defaults_AreTheSeedsDefaults()
    {
        var options = Resolve([]);

        Assert.Multiple(() =>
        {
            Assert.That(options.BatchSize, Is.EqualTo(50));
            Assert.That(options.BatchTime, Is.EqualTo(TimeSpan.FromMilliseconds(300_000)));
            Assert.That(options.MaxOpenBatches, Is.EqualTo(10_000));
            Assert.That(options.Mode, Is.EqualTo(BatchingMode.Hybrid));
            Assert.That(options.Clock, Is.EqualTo(ClockSource.Redis));
        });
    }

    [TestCase("FEEDBACK_BATCH_SIZE", "0", "FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize) is 0; allowed: 1 to 100,000.")]
    [TestCase("FEEDBACK_BATCH_SIZE", "100001", "is 100001; allowed: 1 to 100,000.")]
    [TestCase("FEEDBACK_BATCH_TIME_MS", "5", "FEEDBACK_BATCH_TIME_MS (Feedback:Batching:BatchTime) is 5 ms; allowed: 10 ms to 86,400,000 ms.")]
    [TestCase("FEEDBACK_MAX_BATCHES", "-1", "FEEDBACK_MAX_BATCHES (Feedback:Batching:MaxOpenBatches) is -1")]
    [TestCase("FEEDBACK_KEY_PREFIX", "a:b", "FEEDBACK_KEY_PREFIX (Feedback:Batching:KeyPrefix) is 'a:b'")]
    [TestCase("FEEDBACK_MAX_ATTEMPTS", "0", "FEEDBACK_MAX_ATTEMPTS (Feedback:Batching:MaxAttempts) is 0; allowed: 1 to 100.")]
    [TestCase("FEEDBACK_REDIS_WAIT_REPLICAS", "17", "FEEDBACK_REDIS_WAIT_REPLICAS (Feedback:Batching:WaitReplicas) is 17; allowed: 0 to 16.")]
    [TestCase("FEEDBACK_REDIS_WAIT_TIMEOUT_MS", "60001", "FEEDBACK_REDIS_WAIT_TIMEOUT_MS (Feedback:Batching:WaitTimeout) is 60001 ms; allowed: 10 ms to 60,000 ms.")]
    public void OutOfRange_StopsStartUp_NamingTheSettingValueAndRange(string name, string value, string expected)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [name] = value }));

        Assert.That(ex!.Message, Does.Contain(expected));
    }

    [TestCase("FEEDBACK_BATCH_SIZE", "fifty", "FEEDBACK_BATCH_SIZE='fifty' is not a whole number.")]
    [TestCase("FEEDBACK_BATCH_TIME_MS", "5m", "FEEDBACK_BATCH_TIME_MS='5m' is not a whole number of milliseconds.")]
    [TestCase("FEEDBACK_BATCHING_MODE", "per-agent", "FEEDBACK_BATCHING_MODE='per-agent' is not one of: agent, global, hybrid.")]
    [TestCase("FEEDBACK_CLOCK", "ntp", "FEEDBACK_CLOCK='ntp' is not one of: redis, local.")]
    [TestCase("FEEDBACK_REDIS_PERSISTENCE_CHECK", "ignore", "FEEDBACK_REDIS_PERSISTENCE_CHECK='ignore' is not one of: refuse, warn.")]
    [TestCase("FEEDBACK_REDIS_WAIT_TIMEOUT_MS", "1s", "FEEDBACK_REDIS_WAIT_TIMEOUT_MS='1s' is not a whole number of milliseconds.")]
    [TestCase("FEEDBACK_KAFKA_SECURITY_PROTOCOL", "bogus", "FEEDBACK_KAFKA_SECURITY_PROTOCOL='bogus' is not one of: plaintext, ssl, sasl_plaintext, sasl_ssl.")]
    [TestCase("FEEDBACK_KAFKA_SASL_MECHANISM", "GSSAPI", "FEEDBACK_KAFKA_SASL_MECHANISM='GSSAPI' is not one of: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.")]
    [TestCase("FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION", "off", "FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION='off' is not one of: https, none.")]
    public void Malformed_StopsStartUp_NamingTheVariable(string name, string value, string expected)
    {
        var ex = Assert.Throws<FeedbackConfigurationException>(() => Resolve(new() { [name] = value }));

        Assert.That(ex!.Message, Is.EqualTo(expected));
    }

    [Test]
    public void EveryNameIsUnique_AndFollowsTheConvention()
    {
        var names = FeedbackEnvironment.Names.ToList();

        Assert.That(names, Is.Unique);
        Assert.That(names, Is.All.Match("^FEEDBACK_[A-Z0-9_]+$"));
    }

    [TestCase("FEEDBACK_BATCH_SIZE", "99999999999", "FEEDBACK_BATCH_SIZE='99999999999' is out of range; allowed: 1 to 100,000.")]
    [TestCase("FEEDBACK_PENDING_HIGH_WATER", "-99999999999", "FEEDBACK_PENDING_HIGH_WATER='-99999999999' is out of range; allowed: 1 to 1,000,000,000 events.")]
    [TestCase("FEEDBACK_BATCH_TIME_MS", "99999999999999999", "FEEDBACK_BATCH_TIME_MS='99999999999999999' is out of range; allowed: 10 to 86,400,000 ms.")]
    public void NumberNoSettingCouldHold_StopsStartUp_BeforeBindingOverflows(string name, string value, string expected)
    {
        var ex = Assert.Throws<FeedbackConfigurationException>(() => Resolve(new() { [name] = value }));

        Assert.That(ex!.Message, Is.EqualTo(expected));
    }

    [TestCase("Feedback:Batching:BatchSize", "abc", "FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize) is 'abc'; allowed: a whole number, 1 to 100,000.")]
    [TestCase("Feedback:Batching:BatchSize", "3000000000", "FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize) is '3000000000'; allowed: a whole number, 1 to 100,000.")]
    [TestCase("Feedback:Batching:BatchTime", "5m", "FEEDBACK_BATCH_TIME_MS (Feedback:Batching:BatchTime) is '5m'; allowed: a duration such as 00:00:01.5, 10 to 86,400,000 ms.")]
    [TestCase("Feedback:Host:Role", "bogus", "FEEDBACK_ROLE (Feedback:Host:Role) is 'bogus'; allowed: consumer, flusher, all.")]
    [TestCase("Feedback:Host:Role", "1", "FEEDBACK_ROLE (Feedback:Host:Role) is '1'; allowed: consumer, flusher, all.")]
    [TestCase("Feedback:Consumer:PendingCheckInterval", "often", "Feedback:Consumer:PendingCheckInterval is 'often'; allowed: a duration such as 00:00:01.5, 10 to 60,000 ms.")]
    public void UnbindableValue_FromAnySource_IsRefusedNamingTheSetting(string path, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(path, value)]).Build();

        var ex = Assert.Throws<FeedbackConfigurationException>(() => FeedbackEnvironment.ThrowIfUnreadable(configuration));

        Assert.That(ex!.Message, Is.EqualTo(expected));
    }

    [Test]
    public void BindableValues_FromAnySource_PassTheCheck()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Feedback:Batching:BatchTime", "00:00:01.5"), new("Feedback:Batching:Mode", "GLOBAL"), new("Feedback:Batching:BatchSize", " 75 ")])
            .AddFeedbackEnvironment(new Dictionary<string, string?> { ["FEEDBACK_LEASE_MS"] = "60000", ["FEEDBACK_CLOCK"] = "local" })
            .Build();

        Assert.DoesNotThrow(() => FeedbackEnvironment.ThrowIfUnreadable(configuration));
        var options = configuration.GetSection(BatchingOptions.Section).Get<BatchingOptions>()!;
        Assert.Multiple(() =>
        {
            Assert.That(options.BatchTime, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(options.Mode, Is.EqualTo(BatchingMode.Global));
            Assert.That(options.BatchSize, Is.EqualTo(75));
            Assert.That(options.LeaseDuration, Is.EqualTo(TimeSpan.FromMinutes(1)));
        });
    }
}
