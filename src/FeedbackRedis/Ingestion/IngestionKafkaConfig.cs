using System.Globalization;
using Confluent.Kafka;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>The librdkafka settings of the consumer and of the dead-letter producer.</summary>
public static class IngestionKafkaConfig
{
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
        };
    }

    /// <summary>Idempotent, acks=all producer; a delivery that has not succeeded within <see cref="ConsumerOptions.DeadLetterTimeout"/> fails.</summary>
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
        };
    }

    private static string ClientId(string role) =>
        string.Create(CultureInfo.InvariantCulture, $"feedback-redis-{role}-{Environment.MachineName}-{Environment.ProcessId}");
}
