using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Kafka;

[Category(TestCategories.Unit)]
public sealed class KafkaOptionsValidatorTests
{
    private static readonly KafkaOptionsValidator Validator = new();
    private TestCertificates _pki = null!;

    [OneTimeSetUp]
    public void MakeCertificates() => _pki = TestCertificates.Create();

    [OneTimeTearDown]
    public void DeleteCertificates() => _pki.Dispose();

    private KafkaOptions MutualTlsFiles() => new()
    {
        SecurityProtocol = "ssl",
        SslCaLocation = _pki.CaFile,
        SslCertificateLocation = _pki.ClientCertificateFile,
        SslKeyLocation = _pki.ClientKeyFile,
    };

    private KafkaOptions MutualTlsPem() => new()
    {
        SecurityProtocol = "sasl_ssl",
        SaslUsername = "svc",
        SaslPassword = "pw",
        SslCaPem = _pki.CaPem,
        SslCertificatePem = _pki.ClientCertificatePem,
        SslKeyPem = _pki.EncryptedClientKeyPem,
        SslKeyPassword = TestCertificates.KeyPassword,
    };

    private static string Failure(KafkaOptions options)
    {
        var result = Validator.Validate(null, options);
        Assert.That(result.Failed, Is.True, "expected a refusal");
        return result.FailureMessage ?? "";
    }

    [Test]
    public void Defaults_AreValid()
    {
        Assert.That(Validator.Validate(null, new KafkaOptions()).Succeeded, Is.True);
    }

    [Test]
    public void MutualTls_FromFilesAndFromPemTextWithAnEncryptedKey_IsValid()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Validator.Validate(null, MutualTlsFiles()).Succeeded, Is.True, () => Validator.Validate(null, MutualTlsFiles()).FailureMessage ?? "");
            Assert.That(Validator.Validate(null, MutualTlsPem()).Succeeded, Is.True, () => Validator.Validate(null, MutualTlsPem()).FailureMessage ?? "");
            Assert.That(Validator.Validate(null, new KafkaOptions { SecurityProtocol = "SSL", SslCaLocation = _pki.CaFile }).Succeeded, Is.True, "server-only TLS with a private CA");
        });
    }

    [Test]
    public void BogusSecurityProtocol_IsRefused_NamingTheVariableTheValueAndTheChoices()
    {
        Assert.That(Failure(new KafkaOptions { SecurityProtocol = "bogus" }),
            Does.Contain("FEEDBACK_KAFKA_SECURITY_PROTOCOL (Feedback:Kafka:SecurityProtocol) is 'bogus'; allowed: plaintext, ssl, sasl_plaintext, sasl_ssl."));
    }

    [Test]
    public void MissingCaFile_IsRefused_NamingTheVariableAndThePath()
    {
        string missing = Path.Combine(_pki.Directory, "nope", "ca.pem");
        var options = MutualTlsFiles();
        options.SslCaLocation = missing;

        Assert.That(Failure(options), Does.Contain($"FEEDBACK_KAFKA_SSL_CA_LOCATION (Feedback:Kafka:SslCaLocation) is '{missing}', a file that does not exist"));
    }

    [Test]
    public void DirectoryWhereAFileIsExpected_IsRefused()
    {
        var options = MutualTlsFiles();
        options.SslCertificateLocation = _pki.Directory;

        Assert.That(Failure(options), Does.Contain("FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION").And.Contain("a directory, not a file"));
    }

    [Test]
    public void FileThatIsNotPem_IsRefused()
    {
        var options = MutualTlsFiles();
        options.SslCaLocation = _pki.Write("garbage.pem", "this is not a certificate\n");

        Assert.That(Failure(options), Does.Contain("FEEDBACK_KAFKA_SSL_CA_LOCATION").And.Contain("not PEM (it holds no '-----BEGIN ...-----' line)"));
    }

    [Test]
    public void SwappedCertificateAndKeyFiles_AreRefused_EachNamingWhatItHolds()
    {
        var options = MutualTlsFiles();
        options.SslCertificateLocation = _pki.ClientKeyFile;
        options.SslKeyLocation = _pki.ClientCertificateFile;

        Assert.That(Failure(options), Does.Contain("FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION").And.Contain("(it holds PRIVATE KEY)")
            .And.Contain("FEEDBACK_KAFKA_SSL_KEY_LOCATION").And.Contain("(it holds CERTIFICATE)"));
    }

    [Test]
    public void BrokenPemText_IsRefused_WithoutQuotingIt()
    {
        string truncated = _pki.ClientKeyPem[..(_pki.ClientKeyPem.Length / 2)];
        var options = MutualTlsPem();
        options.SslKeyPem = truncated;
        options.SslKeyPassword = "";

        string message = Failure(options);

        Assert.That(message, Does.Contain("FEEDBACK_KAFKA_SSL_KEY_PEM (Feedback:Kafka:SslKeyPem) is not PEM (its 'PRIVATE KEY' block has no '-----END PRIVATE KEY-----' line)"));
        Assert.That(message, Does.Not.Contain(truncated.Split('\n')[1]), "no line of the key is ever printed");
    }

    [Test]
    public void PemWithLiteralBackslashN_GetsAHint()
    {
        var options = MutualTlsPem();
        options.SslCaPem = _pki.CaPem.TrimEnd().Replace("\n", "\\n", StringComparison.Ordinal);

        Assert.That(Failure(options), Does.Contain("FEEDBACK_KAFKA_SSL_CA_PEM").And.Contain("literal \\n sequences: give the text with real line breaks"));
    }

    [Test]
    public void OneInputGivenAsFileAndAsPem_IsRefused()
    {
        var options = MutualTlsFiles();
        options.SslCaPem = _pki.CaPem;

        Assert.That(Failure(options), Does.Contain(
            "FEEDBACK_KAFKA_SSL_CA_PEM (Feedback:Kafka:SslCaPem) is set together with FEEDBACK_KAFKA_SSL_CA_LOCATION (Feedback:Kafka:SslCaLocation); give it one way"));
    }

    [Test]
    public void CertificateWithoutItsKey_IsRefused()
    {
        var options = MutualTlsFiles();
        options.SslKeyLocation = "";

        Assert.That(Failure(options), Does.Contain("FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION (Feedback:Kafka:SslCertificateLocation) is set without the client key"));
    }

    [Test]
    public void KeyWithoutItsCertificate_IsRefused()
    {
        var options = MutualTlsPem();
        options.SslCertificatePem = "";

        Assert.That(Failure(options), Does.Contain("FEEDBACK_KAFKA_SSL_KEY_PEM (Feedback:Kafka:SslKeyPem) is set without the client certificate"));
    }

    [Test]
    public void EncryptedKeyWithoutPasswordOrPasswordWithoutKey_IsRefused()
    {
        var noPassword = MutualTlsFiles();
        noPassword.SslKeyLocation = _pki.EncryptedClientKeyFile;
        var noKey = new KafkaOptions { SecurityProtocol = "ssl", SslKeyPassword = "pw" };

        Assert.Multiple(() =>
        {
            Assert.That(Failure(noPassword), Does.Contain("FEEDBACK_KAFKA_SSL_KEY_LOCATION").And.Contain("holds an encrypted private key but FEEDBACK_KAFKA_SSL_KEY_PASSWORD is empty"));
            Assert.That(Failure(noKey), Does.Contain("FEEDBACK_KAFKA_SSL_KEY_PASSWORD (Feedback:Kafka:SslKeyPassword) is set without a client key"));
        });
    }

    [Test]
    public void WrongKeyOrKeyPassword_IsRefusedByLibrdkafka_AtStartUp()
    {
        using var other = TestCertificates.Create();
        var mismatch = MutualTlsFiles();
        mismatch.SslKeyLocation = other.ClientKeyFile;
        var wrongPassword = MutualTlsPem();
        wrongPassword.SslKeyPassword = "not-the-password";

        Assert.Multiple(() =>
        {
            Assert.That(Failure(mismatch), Does.Contain("FEEDBACK_KAFKA_SSL_CA_LOCATION (Feedback:Kafka:SslCaLocation) (with the other TLS settings) is refused by librdkafka: ")
                .And.Contain("key values mismatch"));
            Assert.That(Failure(wrongPassword), Does.Contain("is refused by librdkafka: ").And.Contain("ssl.key.pem"));
        });
    }

    [TestCase("plaintext")]
    [TestCase("sasl_plaintext")]
    public void TlsSettings_WithAProtocolWithoutTls_AreRefused(string protocol)
    {
        var options = MutualTlsFiles();
        options.SecurityProtocol = protocol;
        options.SslEndpointIdentification = "none";
        if (protocol.StartsWith("sasl", StringComparison.Ordinal))
        {
            options.SaslUsername = "svc";
            options.SaslPassword = "pw";
        }

        string message = Failure(options);

        Assert.That(message, Does.Contain($"FEEDBACK_KAFKA_SSL_CA_LOCATION (Feedback:Kafka:SslCaLocation) is set (and FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION")
            .And.Contain("FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION")
            .And.Contain($"but FEEDBACK_KAFKA_SECURITY_PROTOCOL (Feedback:Kafka:SecurityProtocol) is {protocol}, which does not use TLS"));
    }

    [Test]
    public void EndpointIdentification_IsHttpsOrNone()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Failure(new KafkaOptions { SecurityProtocol = "ssl", SslEndpointIdentification = "hostname" }),
                Does.Contain("FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION (Feedback:Kafka:SslEndpointIdentification) is 'hostname'; allowed: https, none."));
            Assert.That(Validator.Validate(null, new KafkaOptions { SecurityProtocol = "ssl", SslEndpointIdentification = "none" }).Succeeded, Is.True);
        });
    }

    [Test]
    public void SaslCredentials_GoWithASaslProtocol_AndOnlyWithOne()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Failure(new KafkaOptions { SecurityProtocol = "sasl_ssl" }),
                Does.Contain("FEEDBACK_KAFKA_SASL_USERNAME (Feedback:Kafka:SaslUsername) is empty; sasl_ssl needs the SASL user name")
                    .And.Contain("FEEDBACK_KAFKA_SASL_PASSWORD (Feedback:Kafka:SaslPassword) is empty"));
            Assert.That(Failure(new KafkaOptions { SaslUsername = "svc", SaslPassword = "pw" }),
                Does.Contain("FEEDBACK_KAFKA_SASL_USERNAME (Feedback:Kafka:SaslUsername) is set but FEEDBACK_KAFKA_SECURITY_PROTOCOL (Feedback:Kafka:SecurityProtocol) is plaintext, which does not use SASL"));
            Assert.That(Failure(new KafkaOptions { SecurityProtocol = "sasl_plaintext", SaslUsername = "svc", SaslPassword = "pw", SaslMechanism = "GSSAPI" }),
                Does.Contain("FEEDBACK_KAFKA_SASL_MECHANISM (Feedback:Kafka:SaslMechanism) is 'GSSAPI'; allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512."));
        });
    }

    [TestCase("plaintext")]
    [TestCase("sasl_ssl")]
    public void SaslMechanismOutsideItsChoices_IsRefusedOnce_WhateverTheProtocol(string protocol)
    {
        var options = new KafkaOptions { SecurityProtocol = protocol, SaslMechanism = "GSSAPI" };
        if (protocol.StartsWith("sasl_", StringComparison.Ordinal))
        {
            options.SaslUsername = "svc";
            options.SaslPassword = "pw";
            options.SslCaPem = _pki.CaPem;
        }

        const string refusal = "FEEDBACK_KAFKA_SASL_MECHANISM (Feedback:Kafka:SaslMechanism) is 'GSSAPI'; allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.";
        var failures = Validator.Validate(null, options).Failures ?? [];

        Assert.That(failures.Count(f => f == refusal), Is.EqualTo(1), string.Join("\n", failures));
    }

    [Test]
    public void Topics_AreKafkaTopicNames_AndAllDifferent()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Failure(new KafkaOptions { ReplyTopic = "feedback/reply" }),
                Does.Contain("FEEDBACK_TOPIC_REPLY (Feedback:Kafka:ReplyTopic) is 'feedback/reply'; allowed: a Kafka topic name"));
            Assert.That(Failure(new KafkaOptions { DeadLetterTopic = "feedback.reply.received" }),
                Does.Contain("FEEDBACK_TOPIC_DLQ (Feedback:Kafka:DeadLetterTopic) is 'feedback.reply.received', the same topic as FEEDBACK_TOPIC_REPLY"));
            Assert.That(Failure(new KafkaOptions { BootstrapServers = " " }), Does.Contain("FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"));
        });
    }

    [TestCase("eu/prod")]
    [TestCase("has space")]
    [TestCase("caf\u00e9")]
    public void SourceId_OutsideTheSafeSet_IsRefused(string sourceId)
    {
        Assert.That(Failure(new KafkaOptions { SourceId = sourceId }),
            Does.Contain($"FEEDBACK_SOURCE_ID (Feedback:Kafka:SourceId) is '{sourceId}'; allowed: 1 to 64 of A-Z a-z 0-9 . _ -, or empty for the Kafka cluster id."));
    }

    [Test]
    public void SourceId_LongerThan64Characters_IsRefusedAnd64AreFine()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Failure(new KafkaOptions { SourceId = new string('s', 65) }), Does.Contain("FEEDBACK_SOURCE_ID"));
            Assert.That(Validator.Validate(null, new KafkaOptions { SourceId = new string('s', 64) }).Succeeded, Is.True);
            Assert.That(Validator.Validate(null, new KafkaOptions { SourceId = "MkU3OEVBNTcwNTJENDM2Qg" }).Succeeded, Is.True, "a Kafka cluster id is a source id");
        });
    }

    [Test]
    public void SourceId_MakingIdsOver256CharactersWithALongTopic_IsRefused()
    {
        var options = new KafkaOptions { SourceId = new string('s', 64), ReactionTopic = new string('r', 161) };

        Assert.That(Failure(options), Does.Contain("FEEDBACK_SOURCE_ID (Feedback:Kafka:SourceId) with the topic")
            .And.Contain("makes fallback event ids of up to 257 characters, and event ids may have at most 256"));
        options.ReactionTopic = new string('r', 160);
        Assert.That(Validator.Validate(null, options).Succeeded, Is.True, "exactly 256 fits");
    }
}
