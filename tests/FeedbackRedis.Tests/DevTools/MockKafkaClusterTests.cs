using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;

namespace FeedbackRedis.Tests.DevTools;

public sealed class MockKafkaClusterTests
{
    [Test]
    public void CreatedTopic_HasTheChosenPartitions_AndCarriesMessagesOverTcp()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 3);
        cluster.CreateTopic("t.six", 6);
        Assert.That(cluster.BootstrapServers, Does.Match(@"^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$"));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var metadata = admin.GetMetadata("t.six", TimeSpan.FromSeconds(10));
        Assert.That(metadata.Topics.Single().Partitions, Has.Count.EqualTo(6));

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        for (int i = 0; i < 60; i++)
        {
            producer.Produce(new TopicPartition("t.six", i % 6), new Message<string, string> { Key = "k", Value = $"m{i}" });
        }

        Assert.That(producer.Flush(TimeSpan.FromSeconds(10)), Is.Zero);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "g",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 6).Select(p => new TopicPartitionOffset("t.six", p, Offset.Beginning)));
        var seen = new HashSet<string>();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (seen.Count < 60 && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
            {
                seen.Add(r.Message.Value);
            }
        }

        Assert.That(seen, Has.Count.EqualTo(60));
    }
}
