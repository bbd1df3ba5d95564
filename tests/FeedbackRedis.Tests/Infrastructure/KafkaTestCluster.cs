using System.Diagnostics;
using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A librdkafka mock cluster in the test process with the two feedback topics and a dead-letter topic, named under a
/// per-test prefix. Mind the mock's limits: 100,000 messages or 5 MiB per partition.
/// </summary>
public sealed class KafkaTestCluster : IDisposable
{
    private readonly Lazy<IProducer<byte[]?, byte[]?>> _producer;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _next = new(StringComparer.Ordinal);

    private KafkaTestCluster(MockKafkaCluster cluster, string prefix, int partitionsPerTopic)
    {
        Cluster = cluster;
        Prefix = prefix;
        PartitionsPerTopic = partitionsPerTopic;
        _producer = new(() => new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            LingerMs = 5,
            EnableIdempotence = true,
            Acks = Acks.All,
            MessageTimeoutMs = 120_000,
            // Room for the oversized messages some tests send (librdkafka's default refuses anything over 1,000,000 bytes).
            MessageMaxBytes = 4 * 1024 * 1024,
        }).Build());
    }

    public MockKafkaCluster Cluster { get; }

    public string Prefix { get; }

    public int PartitionsPerTopic { get; }

    public string ReplyTopic => $"{Prefix}.feedback.reply.received";

    public string ReactionTopic => $"{Prefix}.feedback.reaction.received";

    public string DeadLetterTopic => $"{Prefix}.feedback.dlq";

    public string GroupId => $"{Prefix}-consumers";

    public string BootstrapServers => Cluster.BootstrapServers;

    public string TopicFor(string kind) => kind == FeedbackMessages.Reply ? ReplyTopic : ReactionTopic;

    public IEnumerable<TopicPartition> FeedbackPartitions =>
        new[] { ReplyTopic, ReactionTopic }.SelectMany(t => Enumerable.Range(0, PartitionsPerTopic).Select(p => new TopicPartition(t, p)));

    public static KafkaTestCluster Start(string prefix, int partitionsPerTopic, int brokers = 3)
    {
        var cluster = MockKafkaCluster.Start(brokers);
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.FromMilliseconds(300));
        var test = new KafkaTestCluster(cluster, prefix, partitionsPerTopic);
        cluster.CreateTopic(test.ReplyTopic, partitionsPerTopic);
        cluster.CreateTopic(test.ReactionTopic, partitionsPerTopic);
        cluster.CreateTopic(test.DeadLetterTopic, 2);
        return test;
    }

    /// <summary>The cluster id the mock reports (librdkafka's <c>rd_kafka_clusterid</c>; the mock answers no DescribeCluster).</summary>
    public Task<string> ClusterIdAsync() => SourceIds.FetchClusterIdAsync(
        new KafkaOptions { BootstrapServers = BootstrapServers }, TimeProvider.System, TimeSpan.FromSeconds(20), CancellationToken.None);

    /// <summary>The <c>Feedback:Kafka</c> settings pointing at this cluster.</summary>
    public Dictionary<string, string?> Configuration() => new()
    {
        ["Feedback:Kafka:BootstrapServers"] = BootstrapServers,
        ["Feedback:Kafka:GroupId"] = GroupId,
        ["Feedback:Kafka:ReplyTopic"] = ReplyTopic,
        ["Feedback:Kafka:ReactionTopic"] = ReactionTopic,
        ["Feedback:Kafka:DeadLetterTopic"] = DeadLetterTopic,
    };

    /// <summary>The same as <c>FEEDBACK_*</c> environment variables, for service processes.</summary>
    public Dictionary<string, string> Environment() => new()
    {
        ["FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"] = BootstrapServers,
        ["FEEDBACK_KAFKA_GROUP_ID"] = GroupId,
        ["FEEDBACK_TOPIC_REPLY"] = ReplyTopic,
        ["FEEDBACK_TOPIC_REACTION"] = ReactionTopic,
        ["FEEDBACK_TOPIC_DLQ"] = DeadLetterTopic,
    };

    /// <summary>
    /// Queues one message, round-robin over the topic's partitions unless one is given (librdkafka's own partitioner
    /// sticks unkeyed messages to one partition for a while, which could overflow the mock's 5 MiB per partition);
    /// call <see cref="Flush"/> to wait for delivery.
    /// </summary>
    public void Produce(string topic, byte[]? value, string? key = null, int? partition = null, Headers? headers = null)
    {
        partition ??= (int)(_next.AddOrUpdate(topic, 0, (_, n) => n + 1) % PartitionsPerTopic);
        var message = new Message<byte[]?, byte[]?> { Key = key is null ? null : System.Text.Encoding.UTF8.GetBytes(key), Value = value, Headers = headers };
        while (true)
        {
            try
            {
                _producer.Value.Produce(new TopicPartition(topic, partition.Value), message);

                return;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Value.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public void Flush()
    {
        int left = _producer.Value.Flush(TimeSpan.FromSeconds(120));
        Assert.That(left, Is.Zero, "messages still undelivered after 120 s");
    }

    /// <summary>
    /// Produces <paramref name="count"/> messages from <paramref name="make"/> at about <paramref name="perSecond"/>, in
    /// 50 ms slices, so that faults can be injected mid-stream. Flushes at the end.
    /// </summary>
    public Task ProducePacedAsync(int count, int perSecond, Action<int> make) => Task.Run(async () =>
    {
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (sent < count)
        {
            long due = Math.Min(count, (long)(clock.Elapsed.TotalSeconds * perSecond) + (perSecond / 20));
            for (; sent < due; sent++)
            {
                make(sent);
            }

            await Task.Delay(50);
        }

        Flush();
    });

    /// <summary>Reads the dead-letter topic from the beginning until <paramref name="expected"/> messages came (or the timeout).</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadDeadLetters(int expected, TimeSpan timeout) =>
        ReadAll(DeadLetterTopic, 2, expected, timeout);

    public List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string topic, int partitions, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = $"{Prefix}-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var clock = Stopwatch.StartNew();
        while (results.Count < expected && clock.Elapsed < timeout)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
            {
                results.Add(r);
            }
        }

        // a little longer, to catch any message beyond the expected count
        var extra = Stopwatch.StartNew();
        while (extra.Elapsed < TimeSpan.FromMilliseconds(500))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
            {
                results.Add(r);
            }
        }

        return results;
    }

    /// <summary>For each feedback partition: the group's committed offset and the partition's end.</summary>
    public List<(TopicPartition Partition, long Committed, long End)> CommittedAndEnd()
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = GroupId,
            EnableAutoCommit = false,
        }).Build();
        var partitions = FeedbackPartitions.ToList();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        return [.. partitions.Select(p => (
            p,
            committed.Single(c => c.TopicPartition == p).Offset.Value,
            consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value))];
    }

    /// <summary>Waits until the group's committed offsets reach the end of every feedback partition.</summary>
    public Task WaitForCommittedAtEndAsync(TimeSpan timeout)
    {
        string last = "";
        return Eventually.WaitAsync(
            () =>
            {
                var state = CommittedAndEnd();
                last = string.Join(", ", state.Select(s => $"{s.Partition.Topic}[{s.Partition.Partition.Value}] {s.Committed}/{s.End}"));
                return state.All(s => s.Committed == s.End || (s.End == 0 && s.Committed < 0));
            },
            timeout,
            () => "committed offsets reach the end of every partition; last: " + last);
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Dispose();
        }

        Cluster.Dispose();
    }
}
