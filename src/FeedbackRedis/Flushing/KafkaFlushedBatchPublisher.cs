using System.Globalization;
using Confluent.Kafka;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>
/// Publishes announcements with an idempotent producer (<c>enable.idempotence=true</c>, <c>acks=all</c>), so a
/// broker-side retry never duplicates a message; a re-flush after a crash still announces again (at least once).
/// </summary>
public sealed class KafkaFlushedBatchPublisher : IFlushedBatchPublisher, IDisposable
{
    private readonly IProducer<string, string> _producer;
    private readonly string _topic;

    public KafkaFlushedBatchPublisher(IOptions<KafkaOptions> kafka, IOptions<FlusherOptions> flusher)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(flusher);
        var config = new ProducerConfig(kafka.Value.ClientSettings())
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = (int)flusher.Value.PublishTimeout.TotalMilliseconds,
            ClientId = "feedback-redis-flusher",
        };
        _producer = new ProducerBuilder<string, string>(config).Build();
        _topic = kafka.Value.FlushedTopic;
    }

    public async Task PublishAsync(FlushedBatchMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var kafkaMessage = new Message<string, string>
        {
            Key = message.Key,
            Value = message.ToJson(),
            Headers = new Headers
            {
                { "batchId", System.Text.Encoding.UTF8.GetBytes(message.BatchId) },
                { "attempt", System.Text.Encoding.UTF8.GetBytes(message.Attempt.ToString(CultureInfo.InvariantCulture)) },
            },
        };
        await _producer.ProduceAsync(_topic, kafkaMessage, cancellationToken);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
