using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Flushing;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Flushing;

public sealed class KafkaFlushedBatchPublisherTests
{
    [Test]
    public async Task Publish_DeliversTheAnnouncementKeyedByAgent_WithBatchHeaders()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic("feedback.batch.flushed", 1);
        var kafka = new KafkaOptions { BootstrapServers = cluster.BootstrapServers };
        using var publisher = new KafkaFlushedBatchPublisher(Options.Create(kafka), Options.Create(new FlusherOptions()));
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:42", [TestFeedback.Item("agent-7", "e-1")], attempt: 2));
        var message = FlushedBatchMessage.From(batch, "file", TestStores.Start);

        await publisher.PublishAsync(message, CancellationToken.None);

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "check",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset("feedback.batch.flushed", 0, Offset.Beginning));
        var received = consumer.Consume(TimeSpan.FromSeconds(20));
        Assert.That(received, Is.Not.Null, "delivered within 20 s");
        Assert.Multiple(() =>
        {
            Assert.That(received.Message.Key, Is.EqualTo("agent-7"));
            Assert.That(FlushedBatchMessage.FromJson(received.Message.Value), Is.EqualTo(message).Using<FlushedBatchMessage>((x, y) => x.ToJson() == y.ToJson()));
            Assert.That(Encoding.UTF8.GetString(received.Message.Headers.GetLastBytes("batchId")), Is.EqualTo("agent-7:42"));
            Assert.That(Encoding.UTF8.GetString(received.Message.Headers.GetLastBytes("attempt")), Is.EqualTo("2"));
        });
    }
}
