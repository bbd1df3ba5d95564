using System.Text;
using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Flushing;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Flushing;

public sealed class KafkaFlushedBatchPublisherTests
{
    private const string Topic = "feedback.batch.flushed";

    [Test]
    public async Task Publish_DeliversTheAnnouncementKeyedByAgent_WithBatchIdBatchKeyAndAttemptHeaders()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic(Topic, 1);
        using var publisher = Publisher(cluster, new FlusherOptions());
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:42", [TestFeedback.Item("agent-7", "e-1")], attempt: 2));
        var message = FlushedBatchMessage.From(batch, "file", TestStores.Start);

        await publisher.PublishAsync(message, CancellationToken.None);

        var received = ReadOne(cluster);
        Assert.Multiple(() =>
        {
            Assert.That(received.Message.Key, Is.EqualTo("agent-7"));
            Assert.That(FlushedBatchMessage.FromJson(received.Message.Value), Is.EqualTo(message).Using<FlushedBatchMessage>((x, y) => x.ToJson() == y.ToJson()));
            Assert.That(Encoding.UTF8.GetString(received.Message.Headers.GetLastBytes("batchId")), Is.EqualTo("agent-7:42"));
            Assert.That(Encoding.UTF8.GetString(received.Message.Headers.GetLastBytes("attempt")), Is.EqualTo("2"));
            Assert.That(Encoding.UTF8.GetString(received.Message.Headers.GetLastBytes("batchKey")), Is.EqualTo(message.BatchKey));
            Assert.That(message.BatchKey, Is.EqualTo($"agent-7:42@{TestStores.Start.AddSeconds(10).ToUnixTimeMilliseconds()}"));
        });
    }

    [Test]
    public async Task Publish_BatchOf100000Events_IsDeliveredInItsSummaryForm()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic(Topic, 1);
        using var publisher = Publisher(cluster, new FlusherOptions());
        var message = FlushedBatchMessage.From(Batch("agent-7:1", "agent-7", 100_000, 0), "mongodb", TestStores.Start);

        await publisher.PublishAsync(message, CancellationToken.None);

        var read = FlushedBatchMessage.FromJson(ReadOne(cluster).Message.Value)!;
        Assert.Multiple(() =>
        {
            Assert.That(read.EventCount, Is.EqualTo(100_000));
            Assert.That(read.EventIdsOmitted, Is.True);
            Assert.That(read.EventIdsSha256, Is.EqualTo(message.EventIdsSha256));
        });
    }

    [Test]
    public async Task Publish_AtTheThresholdWithTheLongestKey_IsAcceptedWithItsIds()
    {
        var options = new FlusherOptions { AnnouncementMaxBytes = 100_000 };
        int threshold = KafkaFlushedBatchPublisher.MaxJsonBytes(options.AnnouncementMaxBytes);
        string agent = new('k', AgentIds.MaxLength);
        var message = OfJsonSize($"{agent}:{long.MaxValue}", agent, threshold);
        Assert.That(message.JsonBytes(), Is.EqualTo(threshold));
        using var cluster = MockKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic(Topic, 1);
        using var publisher = Publisher(cluster, options);

        await publisher.PublishAsync(message, CancellationToken.None);
        await publisher.PublishAsync(OfJsonSize($"{agent}:1", agent, threshold + 1), CancellationToken.None);

        var at = FlushedBatchMessage.FromJson(ReadOne(cluster).Message.Value)!;
        var above = FlushedBatchMessage.FromJson(ReadOne(cluster, offset: 1).Message.Value)!;
        Assert.Multiple(() =>
        {
            Assert.That(at.EventIdsOmitted, Is.False);
            Assert.That(at.EventIds, Is.EqualTo(message.EventIds));
            Assert.That(above.EventIdsOmitted, Is.True, "one byte over: the ids are left out");
            Assert.That(at.BatchKey, Does.StartWith($"{agent}:{long.MaxValue}@"), "the longest key, batch id and batch key header all fit the envelope reserve");
        });
    }

    [Test]
    public void ProducerLimit_IsSetExplicitlyFromTheOptions()
    {
        var config = KafkaFlushedBatchPublisher.ProducerConfig(new KafkaOptions(), new FlusherOptions { AnnouncementMaxBytes = 123_456 });

        Assert.That(config.MessageMaxBytes, Is.EqualTo(123_456));
    }

    [Test]
    public void Librdkafka_SmallestLimitTheValidatorAllows_IsAccepted()
    {
        int smallest = FlushedBatchMessage.WorstCaseSummaryBytes(100_000) + KafkaFlushedBatchPublisher.EnvelopeReserveBytes;
        var kafka = new KafkaOptions { BootstrapServers = "127.0.0.1:1" };

        Assert.DoesNotThrow(() => new KafkaFlushedBatchPublisher(
            Options.Create(kafka), Options.Create(new FlusherOptions { AnnouncementMaxBytes = smallest }), NullLogger<KafkaFlushedBatchPublisher>.Instance).Dispose());
    }

    private static KafkaFlushedBatchPublisher Publisher(MockKafkaCluster cluster, FlusherOptions options) => new(
        Options.Create(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }),
        Options.Create(options),
        NullLogger<KafkaFlushedBatchPublisher>.Instance);

    private static ConsumeResult<string, string> ReadOne(MockKafkaCluster cluster, long offset = 0)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "check",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, offset));
        var received = consumer.Consume(TimeSpan.FromSeconds(20));
        Assert.That(received, Is.Not.Null, "delivered within 20 s");
        return received;
    }

    /// <summary>An announcement listing its ids whose JSON is exactly <paramref name="bytes"/> long (the last id padded).</summary>
    private static FlushedBatchMessage OfJsonSize(string batchId, string agent, int bytes)
    {
        int count = 1;
        var message = FlushedBatchMessage.From(Batch(batchId, agent, count, 0), "mongodb", TestStores.Start);
        while (message.JsonBytes() < bytes - 200)
        {
            count = Math.Max(count + 1, count * (bytes - 200) / message.JsonBytes());
            message = FlushedBatchMessage.From(Batch(batchId, agent, count, 0), "mongodb", TestStores.Start);
        }

        while (message.JsonBytes() > bytes - 40)
        {
            message = FlushedBatchMessage.From(Batch(batchId, agent, --count, 0), "mongodb", TestStores.Start);
        }

        return FlushedBatchMessage.From(Batch(batchId, agent, count, bytes - message.JsonBytes()), "mongodb", TestStores.Start);
    }

    /// <summary><paramref name="count"/> events of one agent; the last id is <paramref name="pad"/> characters longer.</summary>
    private static FeedbackBatch Batch(string batchId, string agent, int count, int pad)
    {
        var events = Enumerable.Range(0, count)
            .Select(i => new ClaimedEvent($"ev-{i:D8}" + (i == count - 1 ? new string('p', pad) : ""), agent, FeedbackType.Reply, null, TestStores.Start, null, default, i))
            .ToList();
        return new FeedbackBatch(TestFeedback.Claimed(batchId, []), events);
    }
}
