using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Kafka;

/// <summary>
/// Checks <see cref="KafkaOptions"/> at start-up; each failure names the setting, the value (never a key, a password or
/// PEM text) and what is allowed:
/// <list type="bullet">
/// <item>protocol, SASL mechanism and endpoint identification are among their choices in <see cref="FeedbackSettings"/>;
/// bootstrap servers and group id are set;
/// topics are Kafka topic names, all four different;</item>
/// <item>SASL credentials go with a sasl_* protocol and only with one;</item>
/// <item>TLS: each CA, certificate or key is given at most one way (file or PEM), a file exists and can be read, PEM is
/// PEM of the right kind, a certificate comes with its key and a key with its certificate, an encrypted key with its
/// password; every TLS setting is refused with a protocol that does not use TLS (plaintext, sasl_plaintext), which
/// would silently ignore it and send in clear what the operator meant to protect; and, all that passed, librdkafka
/// itself must accept the material when it builds a client (a key that is not the certificate's, a wrong password);</item>
/// <item>the source id, when set, is a source id and keeps fallback event ids within their length.</item>
/// </list>
/// </summary>
public sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    private static readonly System.Buffers.SearchValues<char> TopicCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(KafkaOptions.Section);
        check.Table(options);
        check.Require(nameof(options.BootstrapServers), options.BootstrapServers, !string.IsNullOrWhiteSpace(options.BootstrapServers), "host:port[,host:port...]");
        check.Require(nameof(options.GroupId), options.GroupId, !string.IsNullOrWhiteSpace(options.GroupId), "a consumer group name");
        CheckTopics(check, options);
        CheckSasl(check, options);
        CheckTls(check, options);
        if (options.SourceId.Length > 0)
        {
            check.Require(nameof(options.SourceId), options.SourceId, SourceIds.Explain(options.SourceId) is null, $"{SourceIds.Allowed}, or empty for the Kafka cluster id");
            if (SourceIds.Explain(options.SourceId) is null && SourceIds.ExplainLength(options.SourceId, options) is { } tooLong)
            {
                check.Refuse(nameof(options.SourceId), tooLong);
            }
        }

        return check.Result();
    }

    private static void CheckTopics(OptionChecks check, KafkaOptions options)
    {
        var topics = new (string Property, string Value)[]
        {
            (nameof(options.ReplyTopic), options.ReplyTopic),
            (nameof(options.ReactionTopic), options.ReactionTopic),
            (nameof(options.DeadLetterTopic), options.DeadLetterTopic),
            (nameof(options.FlushedTopic), options.FlushedTopic),
        };
        for (int i = 0; i < topics.Length; i++)
        {
            var (property, value) = topics[i];
            check.Require(property, value, IsTopicName(value), "a Kafka topic name: 1 to 249 of A-Z a-z 0-9 . _ -, not '.' or '..'");
            int same = Array.FindIndex(topics, 0, i, t => string.Equals(t.Value, value, StringComparison.Ordinal));
            if (same >= 0)
            {
                check.Refuse(property, $"is '{value}', the same topic as {FeedbackEnvironment.Describe($"{KafkaOptions.Section}:{topics[same].Property}")}; each of the four topics must be its own");
            }
        }
    }

    private static void CheckSasl(OptionChecks check, KafkaOptions options)
    {
        bool sasl = options.SecurityProtocol.StartsWith("sasl_", StringComparison.OrdinalIgnoreCase);
        if (sasl)
        {
            if (options.SaslUsername.Length == 0)
            {
                check.Refuse(nameof(options.SaslUsername), $"is empty; {options.SecurityProtocol} needs the SASL user name");
            }

            if (options.SaslPassword.Length == 0)
            {
                check.Refuse(nameof(options.SaslPassword), $"is empty; {options.SecurityProtocol} needs the SASL password");
            }
        }
        else if (options.SaslUsername.Length > 0 || options.SaslPassword.Length > 0)
        {
            check.Refuse(
                options.SaslUsername.Length > 0 ? nameof(options.SaslUsername) : nameof(options.SaslPassword),
                $"is set but {Protocol(options)}, which does not use SASL: use sasl_plaintext or sasl_ssl, or remove the SASL settings");
        }
    }

    private static void CheckTls(OptionChecks check, KafkaOptions options)
    {
        var given = new List<string>();
        _ = Material(check, nameof(options.SslCaLocation), options.SslCaLocation, nameof(options.SslCaPem), options.SslCaPem, KafkaTls.Certificate, given);
        _ = Material(check, nameof(options.SslCertificateLocation), options.SslCertificateLocation,
            nameof(options.SslCertificatePem), options.SslCertificatePem, KafkaTls.Certificate, given);
        string? keyText = Material(check, nameof(options.SslKeyLocation), options.SslKeyLocation, nameof(options.SslKeyPem), options.SslKeyPem, KafkaTls.PrivateKey, given);
        bool hasCertificate = options.SslCertificateLocation.Length > 0 || options.SslCertificatePem.Length > 0;
        bool hasKey = options.SslKeyLocation.Length > 0 || options.SslKeyPem.Length > 0;
        if (hasCertificate && !hasKey)
        {
            check.Refuse(given.Contains(nameof(options.SslCertificatePem)) ? nameof(options.SslCertificatePem) : nameof(options.SslCertificateLocation),
                "is set without the client key: set FEEDBACK_KAFKA_SSL_KEY_LOCATION or FEEDBACK_KAFKA_SSL_KEY_PEM too (mutual TLS needs both)");
        }

        if (hasKey && !hasCertificate)
        {
            check.Refuse(given.Contains(nameof(options.SslKeyPem)) ? nameof(options.SslKeyPem) : nameof(options.SslKeyLocation),
                "is set without the client certificate: set FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION or FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM too (mutual TLS needs both)");
        }

        if (options.SslKeyPassword.Length > 0)
        {
            given.Add(nameof(options.SslKeyPassword));
            if (!hasKey)
            {
                check.Refuse(nameof(options.SslKeyPassword), "is set without a client key: it only decrypts FEEDBACK_KAFKA_SSL_KEY_LOCATION or FEEDBACK_KAFKA_SSL_KEY_PEM");
            }
        }
        else if (keyText is not null && KafkaTls.IsEncryptedKey(keyText))
        {
            check.Refuse(given.Contains(nameof(options.SslKeyPem)) ? nameof(options.SslKeyPem) : nameof(options.SslKeyLocation),
                "holds an encrypted private key but FEEDBACK_KAFKA_SSL_KEY_PASSWORD is empty");
        }

        if (string.Equals(options.SslEndpointIdentification, KafkaTls.None, StringComparison.OrdinalIgnoreCase))
        {
            given.Add(nameof(options.SslEndpointIdentification));
        }

        if (given.Count > 0 && !options.UsesTls && IsKnownProtocol(options.SecurityProtocol))
        {
            string others = given.Count == 1 ? ""
                : $" (and {string.Join(", ", given.Skip(1).Select(p => FeedbackEnvironment.Describe($"{KafkaOptions.Section}:{p}")))})";
            check.Refuse(given[0], $"is set{others} but {Protocol(options)}, which does not use TLS and would ignore them: use ssl or sasl_ssl, or remove the TLS settings");
        }
        else if (given.Count > 0 && options.UsesTls && !check.HasFailures && KafkaTls.ExplainWithLibrdkafka(options) is { } refused)
        {
            // What only OpenSSL can tell: a key that is not the certificate's, a wrong key password, an unreadable chain.
            check.Refuse(given[0], $"(with the other TLS settings) is refused by librdkafka: {refused}");
        }
    }

    /// <summary>
    /// Checks one TLS input given as a file or as PEM text (not both) and returns its text when it is usable; records
    /// which properties were given.
    /// </summary>
    private static string? Material(
        OptionChecks check, string locationProperty, string location, string pemProperty, string pem, KafkaTls.PemKind kind, List<string> given)
    {
        if (location.Length > 0)
        {
            given.Add(locationProperty);
        }

        if (pem.Length > 0)
        {
            given.Add(pemProperty);
        }

        if (location.Length > 0 && pem.Length > 0)
        {
            check.Refuse(pemProperty, $"is set together with {FeedbackEnvironment.Describe($"{KafkaOptions.Section}:{locationProperty}")}; give it one way, a file or PEM text");
            return null;
        }

        if (location.Length > 0)
        {
            if (KafkaTls.ExplainFile(location, kind, out string? text) is { } problem)
            {
                check.Refuse(locationProperty, $"is '{location}', {problem}; allowed: a readable PEM file with {kind.Expected}");
                return null;
            }

            return text;
        }

        if (pem.Length > 0)
        {
            if (KafkaTls.ExplainPem(pem, kind) is { } problem)
            {
                check.Refuse(pemProperty, $"is {problem}; allowed: PEM text with {kind.Expected}");
                return null;
            }

            return pem;
        }

        return null;
    }

    private static string Protocol(KafkaOptions options) =>
        $"{FeedbackEnvironment.Describe($"{KafkaOptions.Section}:{nameof(options.SecurityProtocol)}")} is {options.SecurityProtocol}";

    private static bool IsKnownProtocol(string? protocol) =>
        FeedbackSettings.Get(KafkaOptions.Section, nameof(KafkaOptions.SecurityProtocol)).Choices.Contains(protocol, StringComparer.OrdinalIgnoreCase);

    private static bool IsTopicName(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.Length <= 249 && topic is not ("." or "..")
        && !topic.AsSpan().ContainsAnyExcept(TopicCharacters);
}
