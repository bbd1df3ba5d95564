using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>Delivers dead letters to the dead-letter topic: original key and value, headers from <see cref="DeadLetterHeaders"/>.</summary>
public sealed class DeadLetterPublisher(IProducer<byte[]?, byte[]?> producer, string topic, string consumerGroup)
{
    public string Topic => topic;

    /// <summary>
    /// Sends every message not yet dead-lettered and waits for all deliveries; each delivered one is marked
    /// <see cref="PendingMessage.DeadLettered"/>.
    /// </summary>
    /// <returns>The first delivery failure, or null when all were delivered.</returns>
    public async Task<Exception?> PublishAsync(IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sends = new List<(PendingMessage Message, Task Delivery)>(messages.Count);
        foreach (var message in messages)
        {
            if (!message.DeadLettered && message.Classification is { IsDeadLetter: true } classification)
            {
                sends.Add((message, SendAsync(message, classification, cancellationToken)));
            }
        }

        Exception? first = null;
        foreach (var (message, delivery) in sends)
        {
            try
            {
                await delivery;
                message.DeadLettered = true;
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
            {
                first ??= ex;
            }
        }

        return first;
    }

    private async Task SendAsync(PendingMessage message, Classification classification, CancellationToken cancellationToken)
    {
        var source = message.Result;
        await producer.ProduceAsync(
            topic,
            new Message<byte[]?, byte[]?>
            {
                Key = source.Message.Key,
                Value = source.Message.Value,
                Headers = DeadLetterHeaders.For(source, classification, consumerGroup),
            },
            cancellationToken);
    }
}
