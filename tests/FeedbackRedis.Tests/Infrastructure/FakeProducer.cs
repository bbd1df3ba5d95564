using System.Collections.Concurrent;
using Confluent.Kafka;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// An <see cref="IProducer{TKey,TValue}"/> without a broker: every <c>ProduceAsync</c> is recorded, and
/// <paramref name="refuse"/> decides its fate (null delivers it; an error code fails it as librdkafka would, with a
/// <see cref="ProduceException{TKey,TValue}"/>). Only <c>ProduceAsync</c> and <c>Flush</c> are supported.
/// </summary>
/// <param name="refuse">Given the message and how many sends came before it (0 for the first), the error to fail it with, or null.</param>
public sealed class FakeProducer(Func<Message<byte[]?, byte[]?>, int, ErrorCode?> refuse) : IProducer<byte[]?, byte[]?>
{
    private readonly ConcurrentQueue<(string Topic, Message<byte[]?, byte[]?> Message, ErrorCode? Error)> _sent = new();
    private int _count;

    /// <summary>Every send, in order, with the error it was failed with (null: delivered).</summary>
    public IReadOnlyList<(string Topic, Message<byte[]?, byte[]?> Message, ErrorCode? Error)> Sent => [.. _sent];

    public Handle Handle => throw new NotSupportedException();

    public string Name => "fake";

    public Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default)
    {
        int before = Interlocked.Increment(ref _count) - 1;
        var error = refuse(message, before);
        _sent.Enqueue((topic, message, error));
        var result = new DeliveryResult<byte[]?, byte[]?>
        {
            TopicPartitionOffset = new TopicPartitionOffset(topic, 0, before),
            Message = message,
            Status = error is null ? PersistenceStatus.Persisted : PersistenceStatus.NotPersisted,
        };
        return error is { } code
            ? Task.FromException<DeliveryResult<byte[]?, byte[]?>>(new ProduceException<byte[]?, byte[]?>(new Error(code), result))
            : Task.FromResult(result);
    }

    public Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(TopicPartition topicPartition, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default) =>
        ProduceAsync(topicPartition.Topic, message, cancellationToken);

    public int Flush(TimeSpan timeout) => 0;

    public void Flush(CancellationToken cancellationToken = default)
    {
    }

    public void Dispose()
    {
    }

    public void Produce(string topic, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>>? deliveryHandler = null) => throw new NotSupportedException();

    public void Produce(TopicPartition topicPartition, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>>? deliveryHandler = null) => throw new NotSupportedException();

    public int Poll(TimeSpan timeout) => 0;

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    public void InitTransactions(TimeSpan timeout) => throw new NotSupportedException();

    public void BeginTransaction() => throw new NotSupportedException();

    public void CommitTransaction(TimeSpan timeout) => throw new NotSupportedException();

    public void CommitTransaction() => throw new NotSupportedException();

    public void AbortTransaction(TimeSpan timeout) => throw new NotSupportedException();

    public void AbortTransaction() => throw new NotSupportedException();

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) => throw new NotSupportedException();
}
