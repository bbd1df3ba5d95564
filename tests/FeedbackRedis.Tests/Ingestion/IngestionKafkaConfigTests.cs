using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class IngestionKafkaConfigTests
{
    [Test]
    public void ConsumerConfig_SetsItsFetchLimitsAsLibrdkafkaRequires()
    {
        var config = IngestionKafkaConfig.Consumer(new KafkaOptions(), new ConsumerOptions());

        Assert.Multiple(() =>
        {
            Assert.That(config.MaxPartitionFetchBytes, Is.EqualTo(IngestionKafkaConfig.MaxPartitionFetchBytes));
            Assert.That(config.FetchMaxBytes, Is.EqualTo(IngestionKafkaConfig.FetchMaxBytes));
            Assert.That(config.ReceiveMessageMaxBytes, Is.GreaterThanOrEqualTo(config.FetchMaxBytes!.Value + 512));
            Assert.That(config.FetchMaxBytes, Is.GreaterThanOrEqualTo(config.MaxPartitionFetchBytes!.Value));
        });
    }

    [Test]
    public void DeadLetterProducerConfig_TakesTheLargestConsumableMessagePlusTheLargestHeaders()
    {
        var consumer = IngestionKafkaConfig.Consumer(new KafkaOptions(), new ConsumerOptions());
        var producer = IngestionKafkaConfig.DeadLetterProducer(new KafkaOptions(), new ConsumerOptions());
        // The longest dead-letter headers: a detail of 303 characters of 3 UTF-8 bytes, a 249-character topic, the
        // largest numbers, a 1,000-character group id.
        var source = new ConsumeResult<byte[]?, byte[]?>
        {
            TopicPartitionOffset = new TopicPartitionOffset(new string('t', 249), int.MaxValue, long.MaxValue),
            Message = new Message<byte[]?, byte[]?> { Timestamp = new Timestamp(long.MaxValue / 2, TimestampType.CreateTime) },
        };
        var headers = DeadLetterHeaders.For(source, Classification.Reject(DeadLetterReason.InvalidAgentId, new string('€', 303)), new string('g', 1_000));
        int headerBytes = headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + h.GetValueBytes().Length + 10);

        Assert.That(producer.MessageMaxBytes, Is.GreaterThanOrEqualTo(consumer.ReceiveMessageMaxBytes!.Value + headerBytes));
    }

    [Test]
    public void Librdkafka_BothConfigurations_AreAccepted()
    {
        var kafka = new KafkaOptions { BootstrapServers = "127.0.0.1:1" };
        Assert.DoesNotThrow(() =>
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(IngestionKafkaConfig.Consumer(kafka, new ConsumerOptions())).Build();
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(IngestionKafkaConfig.DeadLetterProducer(kafka, new ConsumerOptions())).Build();
        });
    }
}
