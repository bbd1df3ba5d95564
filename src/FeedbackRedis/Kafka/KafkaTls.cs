namespace FeedbackRedis.Kafka;

/// <summary>
/// The TLS part of the Kafka client settings: which <c>ssl.*</c> property each option becomes, and the start-up checks
/// of the certificates and keys given (a file that exists and can be read, text that is PEM of the expected kind).
/// What librdkafka then does with them (verifying the chain, matching key and certificate) it checks itself when a
/// client is built.
/// </summary>
internal static class KafkaTls
{
    public const string Https = "https";
    public const string None = "none";

    /// <summary>Larger than any CA bundle in use (the Mozilla bundle is about 220 KB); a bigger file is not a certificate.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>What a certificate input must hold.</summary>
    public static readonly PemKind Certificate = new("CERTIFICATE", "one or more '-----BEGIN CERTIFICATE-----' blocks");

    /// <summary>What a key input must hold.</summary>
    public static readonly PemKind PrivateKey = new("PRIVATE KEY", "a '-----BEGIN PRIVATE KEY-----' (or RSA, EC, ENCRYPTED PRIVATE KEY) block");

    public static bool IsTlsProtocol(string? protocol) =>
        string.Equals(protocol, "ssl", StringComparison.OrdinalIgnoreCase) || string.Equals(protocol, "sasl_ssl", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds the <c>ssl.*</c> settings that are set; the endpoint identification always (librdkafka's default is https too).</summary>
    public static void AddSettings(KafkaOptions options, Dictionary<string, string> settings)
    {
        Add(settings, "ssl.ca.location", options.SslCaLocation);
        Add(settings, "ssl.ca.pem", options.SslCaPem);
        Add(settings, "ssl.certificate.location", options.SslCertificateLocation);
        Add(settings, "ssl.certificate.pem", options.SslCertificatePem);
        Add(settings, "ssl.key.location", options.SslKeyLocation);
        Add(settings, "ssl.key.pem", options.SslKeyPem);
        Add(settings, "ssl.key.password", options.SslKeyPassword);
        settings["ssl.endpoint.identification.algorithm"] = options.SslEndpointIdentification.ToLowerInvariant();
    }

    /// <summary>
    /// Why the file at <paramref name="path"/> cannot be used as <paramref name="kind"/>, or null when it can: it must
    /// exist, be a file, be readable by this process, and hold PEM of that kind.
    /// </summary>
    public static string? ExplainFile(string path, PemKind kind, out string? text)
    {
        text = null;
        if (Directory.Exists(path))
        {
            return "a directory, not a file";
        }

        if (!File.Exists(path))
        {
            return "a file that does not exist (or that this process may not see)";
        }

        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes)
            {
                return $"a file of {info.Length:N0} bytes, too large for a certificate or key (at most {MaxFileBytes:N0})";
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"a file this process cannot read ({ex.GetType().Name}: {ex.Message})";
        }

        return ExplainPem(text, kind) is { } problem ? $"a file that is not usable: {problem}" : null;
    }

    /// <summary>Why <paramref name="text"/> is not PEM holding <paramref name="kind"/>, or null. Never quotes the text.</summary>
    public static string? ExplainPem(string text, PemKind kind)
    {
        var blocks = Pem.Blocks(text, out string? malformed);
        if (malformed is not null)
        {
            return text.Contains("\\n", StringComparison.Ordinal)
                ? $"not PEM ({malformed}); it holds literal \\n sequences: give the text with real line breaks"
                : $"not PEM ({malformed})";
        }

        if (blocks.Count == 0)
        {
            return "not PEM (it holds no '-----BEGIN ...-----' line)";
        }

        if (!blocks.Exists(b => b.Label.EndsWith(kind.LabelSuffix, StringComparison.Ordinal)))
        {
            return $"PEM without {kind.Expected} (it holds {string.Join(", ", blocks.Select(b => b.Label).Distinct(StringComparer.Ordinal))})";
        }

        return null;
    }

    /// <summary>
    /// What librdkafka says of the TLS settings when it builds a client from them (it loads the CA, the certificate and
    /// the key, decrypts the key and checks that it is the certificate's), or null when it accepts them. Builds and
    /// destroys one producer handle; connects nowhere that matters.
    /// </summary>
    public static string? ExplainWithLibrdkafka(KafkaOptions options)
    {
        try
        {
            var settings = options.ClientSettings();
            settings["log_level"] = "0"; // the error comes back in the exception; nothing to print
            Librdkafka.rd_kafka_destroy(Librdkafka.New(Librdkafka.Producer, Librdkafka.NewConfiguration(settings)));
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>True when the key text holds an encrypted key (PKCS#8 ENCRYPTED PRIVATE KEY, or a legacy Proc-Type header).</summary>
    public static bool IsEncryptedKey(string text) =>
        Pem.Blocks(text, out _).Exists(b => b.Label.EndsWith(PrivateKey.LabelSuffix, StringComparison.Ordinal) && (b.Label.StartsWith("ENCRYPTED ", StringComparison.Ordinal) || b.Encrypted));

    private static void Add(Dictionary<string, string> settings, string name, string value)
    {
        if (value.Length > 0)
        {
            settings[name] = value;
        }
    }

    /// <summary>A kind of PEM content: blocks whose label ends with <see cref="LabelSuffix"/>.</summary>
    internal sealed record PemKind(string LabelSuffix, string Expected);
}
