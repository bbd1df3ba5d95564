using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.Configuration;

/// <summary>
/// The <c>FEEDBACK_*</c> environment names operators know (from the service this one replaces), mapped onto
/// configuration paths. Values are type-checked here, so <c>FEEDBACK_BATCH_SIZE=abc</c> stops start-up with a
/// sentence naming the variable; ranges are checked by each options validator.
/// </summary>
public static class FeedbackEnvironment
{
    private static readonly Setting[] Settings =
    [
        new("FEEDBACK_BATCH_SIZE", "Feedback:Batching:BatchSize", Kind.Integer),
        new("FEEDBACK_BATCH_TIME_MS", "Feedback:Batching:BatchTime", Kind.Milliseconds),
        new("FEEDBACK_MAX_BATCHES", "Feedback:Batching:MaxOpenBatches", Kind.Integer),
        new("FEEDBACK_BATCHING_MODE", "Feedback:Batching:Mode", Kind.Choice, ["agent", "global", "hybrid"]),
        new("FEEDBACK_GLOBAL_BATCH_SIZE", "Feedback:Batching:GlobalBatchSize", Kind.Integer),
        new("FEEDBACK_GLOBAL_SHARDS", "Feedback:Batching:GlobalShards", Kind.Integer),
        new("FEEDBACK_LEASE_MS", "Feedback:Batching:LeaseDuration", Kind.Milliseconds),
        new("FEEDBACK_MAX_ATTEMPTS", "Feedback:Batching:MaxAttempts", Kind.Integer),
        new("FEEDBACK_MAX_ITEM_BYTES", "Feedback:Batching:MaxItemBytes", Kind.Integer),
        new("FEEDBACK_KEY_PREFIX", "Feedback:Batching:KeyPrefix", Kind.Text),
        new("FEEDBACK_REDIS_SHARDS", "Feedback:Batching:RedisShards", Kind.Integer),
        new("FEEDBACK_REDIS_WAIT_REPLICAS", "Feedback:Batching:WaitReplicas", Kind.Integer),
        new("FEEDBACK_REDIS_WAIT_TIMEOUT_MS", "Feedback:Batching:WaitTimeout", Kind.Milliseconds),
        new("FEEDBACK_CLOCK", "Feedback:Batching:Clock", Kind.Choice, ["redis", "local"]),
        new("FEEDBACK_REDIS_CONNECTION", "Feedback:Redis:ConnectionString", Kind.Secret),
        new("FEEDBACK_REDIS_EVICTION_CHECK", "Feedback:Redis:EvictionCheck", Kind.Choice, ["refuse", "warn"]),
        new("FEEDBACK_REDIS_PERSISTENCE_CHECK", "Feedback:Redis:PersistenceCheck", Kind.Choice, ["refuse", "warn"]),
        new("FEEDBACK_ROLE", "Feedback:Host:Role", Kind.Choice, ["consumer", "flusher", "all"]),
        new("FEEDBACK_HTTP_PORT", "Feedback:Host:HttpPort", Kind.Integer),
        new("FEEDBACK_SHUTDOWN_TIMEOUT_MS", "Feedback:Host:ShutdownTimeout", Kind.Milliseconds),
        new("FEEDBACK_KAFKA_BOOTSTRAP_SERVERS", "Feedback:Kafka:BootstrapServers", Kind.Text),
        new("FEEDBACK_KAFKA_SECURITY_PROTOCOL", "Feedback:Kafka:SecurityProtocol", Kind.Choice, ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"]),
        new("FEEDBACK_KAFKA_SASL_MECHANISM", "Feedback:Kafka:SaslMechanism", Kind.Choice, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
        new("FEEDBACK_KAFKA_SASL_USERNAME", "Feedback:Kafka:SaslUsername", Kind.Secret),
        new("FEEDBACK_KAFKA_SASL_PASSWORD", "Feedback:Kafka:SaslPassword", Kind.Secret),
        new("FEEDBACK_KAFKA_SSL_CA_LOCATION", "Feedback:Kafka:SslCaLocation", Kind.Text),
        new("FEEDBACK_KAFKA_SSL_CA_PEM", "Feedback:Kafka:SslCaPem", Kind.Text),
        new("FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION", "Feedback:Kafka:SslCertificateLocation", Kind.Text),
        new("FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM", "Feedback:Kafka:SslCertificatePem", Kind.Text),
        new("FEEDBACK_KAFKA_SSL_KEY_LOCATION", "Feedback:Kafka:SslKeyLocation", Kind.Text),
        new("FEEDBACK_KAFKA_SSL_KEY_PEM", "Feedback:Kafka:SslKeyPem", Kind.Secret),
        new("FEEDBACK_KAFKA_SSL_KEY_PASSWORD", "Feedback:Kafka:SslKeyPassword", Kind.Secret),
        new("FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION", "Feedback:Kafka:SslEndpointIdentification", Kind.Choice, ["https", "none"]),
        new("FEEDBACK_SOURCE_ID", "Feedback:Kafka:SourceId", Kind.Text),
        new("FEEDBACK_KAFKA_GROUP_ID", "Feedback:Kafka:GroupId", Kind.Text),
        new("FEEDBACK_TOPIC_REPLY", "Feedback:Kafka:ReplyTopic", Kind.Text),
        new("FEEDBACK_TOPIC_REACTION", "Feedback:Kafka:ReactionTopic", Kind.Text),
        new("FEEDBACK_TOPIC_DLQ", "Feedback:Kafka:DeadLetterTopic", Kind.Text),
        new("FEEDBACK_TOPIC_FLUSHED", "Feedback:Kafka:FlushedTopic", Kind.Text),
        new("FEEDBACK_CONSUMER_MAX_BATCH", "Feedback:Consumer:MaxBatch", Kind.Integer),
        new("FEEDBACK_CONSUMER_APPENDS_IN_FLIGHT", "Feedback:Consumer:AppendsInFlight", Kind.Integer),
        new("FEEDBACK_CONSUMER_MAX_WAIT_MS", "Feedback:Consumer:MaxWait", Kind.Milliseconds),
        new("FEEDBACK_PENDING_HIGH_WATER", "Feedback:Consumer:PendingHighWater", Kind.Integer),
        new("FEEDBACK_DEAD_HIGH_WATER", "Feedback:Consumer:DeadHighWater", Kind.Integer),
        new("FEEDBACK_PENDING_LOW_WATER", "Feedback:Consumer:PendingLowWater", Kind.Integer),
        new("FEEDBACK_COMMIT_SAFETY_MS", "Feedback:Consumer:CommitSafety", Kind.Milliseconds),
        new("FEEDBACK_CONSUMER_COMMIT_INTERVAL_MS", "Feedback:Consumer:CommitInterval", Kind.Milliseconds),
        new("FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS", "Feedback:Consumer:SessionTimeout", Kind.Milliseconds),
        new("FEEDBACK_CONSUMER_STUCK_MS", "Feedback:Consumer:StuckAfter", Kind.Milliseconds),
        new("FEEDBACK_FLUSH_POLL_MS", "Feedback:Flusher:PollInterval", Kind.Milliseconds),
        new("FEEDBACK_FLUSH_MAX_WRITE_EVENTS", "Feedback:Flusher:MaxWriteEvents", Kind.Integer),
        new("FEEDBACK_SINK", "Feedback:Flusher:Sink", Kind.Choice, ["mongodb", "file"]),
        new("FEEDBACK_SINK_FILE_PATH", "Feedback:Flusher:FilePath", Kind.Text),
        new("FEEDBACK_FLUSH_MAX_WRITE_BATCHES", "Feedback:Flusher:MaxWriteBatches", Kind.Integer),
        new("FEEDBACK_FLUSH_RETRY_BASE_MS", "Feedback:Flusher:RetryBaseDelay", Kind.Milliseconds),
        new("FEEDBACK_FLUSH_RETRY_MAX_MS", "Feedback:Flusher:RetryMaxDelay", Kind.Milliseconds),
        new("FEEDBACK_FLUSH_PUBLISH_TIMEOUT_MS", "Feedback:Flusher:PublishTimeout", Kind.Milliseconds),
        new("FEEDBACK_FLUSH_DRAIN_MS", "Feedback:Flusher:DrainTimeout", Kind.Milliseconds),
        new("FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS", "Feedback:Flusher:TestPauseBeforeAck", Kind.Milliseconds),
        new("FEEDBACK_MONGODB_URI", "Feedback:MongoDb:Uri", Kind.Secret),
        new("FEEDBACK_MONGODB_DATABASE", "Feedback:MongoDb:Database", Kind.Text),
        new("FEEDBACK_MONGODB_EVENTS_COLLECTION", "Feedback:MongoDb:EventsCollection", Kind.Text),
        new("FEEDBACK_MONGODB_AGENTS_COLLECTION", "Feedback:MongoDb:AgentsCollection", Kind.Text),
        new("FEEDBACK_MONGODB_WRITE_CONCERN", "Feedback:MongoDb:WriteConcern", Kind.Text),
        new("FEEDBACK_MONGODB_BATCHES_COLLECTION", "Feedback:MongoDb:BatchesCollection", Kind.Text),
        new("FEEDBACK_MAX_REACTION_NAMES", "Feedback:MongoDb:MaxReactionNames", Kind.Integer),
    ];

    private enum Kind
    {
        Text,
        Choice,
        Secret,
        Integer,
        Milliseconds,
    }

    /// <summary>The environment names this service reads, in documentation order.</summary>
    public static IEnumerable<string> Names => Settings.Select(s => s.EnvName);

    /// <summary>
    /// Adds the <c>FEEDBACK_*</c> variables found in <paramref name="environment"/> (the process environment when
    /// null) as configuration, after checking their types.
    /// </summary>
    /// <exception cref="FeedbackConfigurationException">A variable's value has the wrong type.</exception>
    public static IConfigurationBuilder AddFeedbackEnvironment(
        this IConfigurationBuilder builder,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        environment ??= Environment.GetEnvironmentVariables()
            .Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in Settings)
        {
            if (environment.TryGetValue(setting.EnvName, out var raw) && raw is not null)
            {
                values[setting.Path] = Convert(setting, raw.Trim());
            }
        }

        return builder.AddInMemoryCollection(values);
    }

    /// <summary>Names a configuration path for people: <c>FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize)</c>.</summary>
    public static string Describe(string path)
    {
        var setting = Array.Find(Settings, s => string.Equals(s.Path, path, StringComparison.OrdinalIgnoreCase));
        return setting is null ? path : $"{setting.EnvName} ({setting.Path})";
    }

    private static string Convert(Setting setting, string raw)
    {
        switch (setting.Kind)
        {
            case Kind.Integer when !long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _):
                throw new FeedbackConfigurationException($"{setting.EnvName}='{raw}' is not a whole number.");
            case Kind.Choice when !setting.Choices.Contains(raw, StringComparer.OrdinalIgnoreCase):
                throw new FeedbackConfigurationException(
                    $"{setting.EnvName}='{raw}' is not one of: {string.Join(", ", setting.Choices)}.");
            case Kind.Milliseconds:
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
                {
                    throw new FeedbackConfigurationException($"{setting.EnvName}='{raw}' is not a whole number of milliseconds.");
                }

                return TimeSpan.FromMilliseconds(ms).ToString("c", CultureInfo.InvariantCulture);
            default:
                return raw;
        }
    }

    private sealed record Setting(string EnvName, string Path, Kind Kind, string[]? AllowedValues = null)
    {
        public string[] Choices => AllowedValues ?? [];
    }
}
