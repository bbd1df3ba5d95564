namespace FeedbackRedis.Kafka;

/// <summary>Kafka connection and topic names, section <c>Feedback:Kafka</c>.</summary>
public sealed class KafkaOptions
{
    public const string Section = "Feedback:Kafka";

    /// <summary>Bootstrap servers (<c>FEEDBACK_KAFKA_BOOTSTRAP_SERVERS</c>). Default <c>localhost:9092</c>.</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Security protocol (<c>FEEDBACK_KAFKA_SECURITY_PROTOCOL</c>): plaintext, ssl, sasl_plaintext, sasl_ssl. Default plaintext.</summary>
    public string SecurityProtocol { get; set; } = "plaintext";

    /// <summary>SASL mechanism (<c>FEEDBACK_KAFKA_SASL_MECHANISM</c>) when SASL is used. Default PLAIN.</summary>
    public string SaslMechanism { get; set; } = "PLAIN";

    /// <summary>SASL user (<c>FEEDBACK_KAFKA_SASL_USERNAME</c>); empty for none.</summary>
    public string SaslUsername { get; set; } = "";

    /// <summary>SASL password (<c>FEEDBACK_KAFKA_SASL_PASSWORD</c>); never logged.</summary>
    public string SaslPassword { get; set; } = "";

    /// <summary>Consumer group (<c>FEEDBACK_KAFKA_GROUP_ID</c>). Default <c>feedback-redis</c>.</summary>
    public string GroupId { get; set; } = "feedback-redis";

    /// <summary>Reply events (<c>FEEDBACK_TOPIC_REPLY</c>). Default <c>feedback.reply.received</c>.</summary>
    public string ReplyTopic { get; set; } = "feedback.reply.received";

    /// <summary>Reaction events (<c>FEEDBACK_TOPIC_REACTION</c>). Default <c>feedback.reaction.received</c>.</summary>
    public string ReactionTopic { get; set; } = "feedback.reaction.received";

    /// <summary>Dead letters (<c>FEEDBACK_TOPIC_DLQ</c>). Default <c>feedback.dlq</c>.</summary>
    public string DeadLetterTopic { get; set; } = "feedback.dlq";

    /// <summary>Flushed-batch announcements (<c>FEEDBACK_TOPIC_FLUSHED</c>). Default <c>feedback.batch.flushed</c>.</summary>
    public string FlushedTopic { get; set; } = "feedback.batch.flushed";

    /// <summary>The client settings every Kafka client of this service shares (connection and security).</summary>
    public Dictionary<string, string> ClientSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = BootstrapServers,
            ["security.protocol"] = SecurityProtocol,
        };
        if (SaslUsername.Length > 0)
        {
            settings["sasl.mechanism"] = SaslMechanism;
            settings["sasl.username"] = SaslUsername;
            settings["sasl.password"] = SaslPassword;
        }

        return settings;
    }
}
