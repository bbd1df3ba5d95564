using FeedbackRedis.Configuration;

namespace FeedbackRedis.Kafka;

/// <summary>
/// Kafka connection, security, topic names and the source id of fallback event ids, section <c>Feedback:Kafka</c>.
/// Defaults and allowed values: <see cref="FeedbackSettings"/>; checked at start-up by <see cref="KafkaOptionsValidator"/>.
/// Every Kafka client of the service takes its connection and security from <see cref="ClientSettings"/>, so all of
/// them connect the same way.
/// </summary>
public sealed class KafkaOptions
{
    public const string Section = FeedbackSettings.Kafka;

    /// <summary>Bootstrap servers (<c>FEEDBACK_KAFKA_BOOTSTRAP_SERVERS</c>).</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Security protocol (<c>FEEDBACK_KAFKA_SECURITY_PROTOCOL</c>): plaintext, ssl, sasl_plaintext, sasl_ssl.</summary>
    public string SecurityProtocol { get; set; } = "plaintext";

    /// <summary>SASL mechanism (<c>FEEDBACK_KAFKA_SASL_MECHANISM</c>) with a sasl_* protocol: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.</summary>
    public string SaslMechanism { get; set; } = "PLAIN";

    /// <summary>SASL user (<c>FEEDBACK_KAFKA_SASL_USERNAME</c>); required by, and only allowed with, a sasl_* protocol.</summary>
    public string SaslUsername { get; set; } = "";

    /// <summary>SASL password (<c>FEEDBACK_KAFKA_SASL_PASSWORD</c>); never logged.</summary>
    public string SaslPassword { get; set; } = "";

    /// <summary>
    /// CA certificates that verify the brokers, as a PEM file (<c>FEEDBACK_KAFKA_SSL_CA_LOCATION</c>, <c>ssl.ca.location</c>).
    /// Empty: librdkafka's default CA store. Not together with <see cref="SslCaPem"/>.
    /// </summary>
    public string SslCaLocation { get; set; } = "";

    /// <summary>The same CA certificates as PEM text (<c>FEEDBACK_KAFKA_SSL_CA_PEM</c>, <c>ssl.ca.pem</c>).</summary>
    public string SslCaPem { get; set; } = "";

    /// <summary>Client certificate for mutual TLS, a PEM file (<c>FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION</c>, <c>ssl.certificate.location</c>).</summary>
    public string SslCertificateLocation { get; set; } = "";

    /// <summary>The client certificate as PEM text (<c>FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM</c>, <c>ssl.certificate.pem</c>).</summary>
    public string SslCertificatePem { get; set; } = "";

    /// <summary>The client certificate's private key, a PEM file (<c>FEEDBACK_KAFKA_SSL_KEY_LOCATION</c>, <c>ssl.key.location</c>).</summary>
    public string SslKeyLocation { get; set; } = "";

    /// <summary>The private key as PEM text (<c>FEEDBACK_KAFKA_SSL_KEY_PEM</c>, <c>ssl.key.pem</c>); never logged.</summary>
    public string SslKeyPem { get; set; } = "";

    /// <summary>Password of an encrypted private key (<c>FEEDBACK_KAFKA_SSL_KEY_PASSWORD</c>, <c>ssl.key.password</c>); never logged.</summary>
    public string SslKeyPassword { get; set; } = "";

    /// <summary>
    /// Broker host name check (<c>FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION</c>, <c>ssl.endpoint.identification.algorithm</c>):
    /// https (the broker's certificate must name the host connected to) or none.
    /// </summary>
    public string SslEndpointIdentification { get; set; } = KafkaTls.Https;

    /// <summary>
    /// First part of the fallback event id <c>&lt;sourceId&gt;/&lt;topic&gt;/&lt;partition&gt;/&lt;offset&gt;</c>
    /// (<c>FEEDBACK_SOURCE_ID</c>): 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>. Empty: the Kafka cluster id, learnt
    /// at the consumer's start (<see cref="SourceIdResolver"/>).
    /// </summary>
    public string SourceId { get; set; } = "";

    /// <summary>Consumer group (<c>FEEDBACK_KAFKA_GROUP_ID</c>).</summary>
    public string GroupId { get; set; } = "feedback-redis";

    /// <summary>Reply events (<c>FEEDBACK_TOPIC_REPLY</c>).</summary>
    public string ReplyTopic { get; set; } = "feedback.reply.received";

    /// <summary>Reaction events (<c>FEEDBACK_TOPIC_REACTION</c>).</summary>
    public string ReactionTopic { get; set; } = "feedback.reaction.received";

    /// <summary>Dead letters (<c>FEEDBACK_TOPIC_DLQ</c>).</summary>
    public string DeadLetterTopic { get; set; } = "feedback.dlq";

    /// <summary>Flushed-batch announcements (<c>FEEDBACK_TOPIC_FLUSHED</c>).</summary>
    public string FlushedTopic { get; set; } = "feedback.batch.flushed";

    /// <summary>True for the protocols that run over TLS (ssl, sasl_ssl).</summary>
    public bool UsesTls => KafkaTls.IsTlsProtocol(SecurityProtocol);

    /// <summary>
    /// The librdkafka settings every Kafka client of this service starts from (consumer, dead-letter producer,
    /// announcement producer, health check, feedbackctl): bootstrap servers, security protocol, SASL, and with ssl or
    /// sasl_ssl the TLS settings that are set (<c>ssl.*</c>). A new dictionary on each call.
    /// </summary>
    public Dictionary<string, string> ClientSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = BootstrapServers,
            ["security.protocol"] = SecurityProtocol.ToLowerInvariant(),
        };
        if (SaslUsername.Length > 0)
        {
            settings["sasl.mechanism"] = SaslMechanism.ToUpperInvariant();
            settings["sasl.username"] = SaslUsername;
            settings["sasl.password"] = SaslPassword;
        }

        if (UsesTls)
        {
            KafkaTls.AddSettings(this, settings);
        }

        return settings;
    }
}
