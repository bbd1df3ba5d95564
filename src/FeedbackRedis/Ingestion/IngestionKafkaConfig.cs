using System.Globalization;
using Confluent.Kafka;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>The librdkafka settings of the consumer and of the dead-letter producer.</summary>
public static class IngestionKafkaConfig
{
    /// <summary>
    /// <c>max.partition.fetch.bytes</c>: 1 MiB per partition and fetch (librdkafka's default, set so the sizes below
    /// stay together). It does not cap a message: a broker returns a first record batch larger than this, or than
    /// <see cref="FetchMaxBytes"/>, so that the consumer makes progress (KIP-74).
    /// </summary>
    public const int MaxPartitionFetchBytes = 1024 * 1024;

    /// <summary>
    /// <c>fetch.max.bytes</c>: 16 MiB per fetch response (librdkafka's default is 50 MiB). Well above any topic's
    /// <c>max.message.bytes</c> we expect (Kafka's default is 1 MiB); a topic allowing more than this cannot be read.
    /// </summary>
    public const int FetchMaxBytes = 16 * 1024 * 1024;

    /// <summary>
    /// <c>receive.message.max.bytes</c>: librdkafka requires at least <c>fetch.max.bytes</c> + 512 for protocol
    /// overhead. No response is larger, so no message the consumer is handed is larger: this is the bound the
    /// dead-letter producer must accept (<see cref="LargestConsumedMessageBytes"/>).
    /// </summary>
    public const int ReceiveMessageMaxBytes = FetchMaxBytes + 512;

    /// <summary>The largest message (key, value and headers) the consumer can be handed: one fills a whole response.</summary>
    public const int LargestConsumedMessageBytes = ReceiveMessageMaxBytes;

    /// <summary>
    /// Room for what a dead letter adds to the message it carries: the <c>dlq.*</c> headers (the detail is at most about
    /// 300 characters, a topic name 249, a group id rarely more than a few hundred) and the record's framing. 64 KiB
    /// leaves ample slack.
    /// </summary>
    public const int DeadLetterHeaderReserveBytes = 64 * 1024;

    /// <summary>
    /// <c>message.max.bytes</c> of the dead-letter producer: the largest consumed message plus the dead-letter headers,
    /// so librdkafka never refuses a dead letter the consumer could read (its default, 1,000,000, refused a 1 MiB
    /// message). The dead-letter topic's own limit may still be lower; then the publisher sends it truncated.
    /// </summary>
    public const int DeadLetterMessageMaxBytes = LargestConsumedMessageBytes + DeadLetterHeaderReserveBytes;

    /// <summary>
    /// Cooperative-sticky group member; offsets are stored by the application only after Redis acknowledged
    /// (<c>enable.auto.offset.store=false</c>) and committed by librdkafka every <see cref="ConsumerOptions.CommitInterval"/>,
    /// plus explicitly on revocation and shutdown. A new group starts at the earliest offset, so nothing produced before
    /// the first deployment is skipped.
    /// </summary>
    public static ConsumerConfig Consumer(KafkaOptions kafka, ConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(options);
        int sessionMs = (int)options.SessionTimeout.TotalMilliseconds;
        return new ConsumerConfig(kafka.ClientSettings())
        {
            GroupId = kafka.GroupId,
            ClientId = ClientId("consumer"),
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = (int)options.CommitInterval.TotalMilliseconds,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = sessionMs,
            HeartbeatIntervalMs = Math.Min(3_000, sessionMs / 3),
            EnablePartitionEof = false,
            MaxPartitionFetchBytes = MaxPartitionFetchBytes,
            FetchMaxBytes = FetchMaxBytes,
            ReceiveMessageMaxBytes = ReceiveMessageMaxBytes,
        };
    }

    /// <summary>
    /// Idempotent, acks=all producer; a delivery that has not succeeded within <see cref="ConsumerOptions.DeadLetterTimeout"/>
    /// fails. Takes messages up to <see cref="DeadLetterMessageMaxBytes"/>.
    /// </summary>
    public static ProducerConfig DeadLetterProducer(KafkaOptions kafka, ConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(options);
        return new ProducerConfig(kafka.ClientSettings())
        {
            ClientId = ClientId("dlq"),
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            MessageTimeoutMs = (int)options.DeadLetterTimeout.TotalMilliseconds,
            MessageMaxBytes = DeadLetterMessageMaxBytes,
        };
    }

    private static string ClientId(string role) =>
        string.Create(CultureInfo.InvariantCulture, $"feedback-redis-{role}-{Environment.MachineName}-{Environment.ProcessId}");
}
