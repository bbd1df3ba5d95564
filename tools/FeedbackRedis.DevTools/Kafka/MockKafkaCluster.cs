using System.Runtime.InteropServices;
using FeedbackRedis.Kafka;
using static FeedbackRedis.DevTools.Kafka.MockKafkaNative;

namespace FeedbackRedis.DevTools.Kafka;

/// <summary>
/// librdkafka's built-in mock Kafka cluster, hosted in this process and reachable over TCP on loopback by any Kafka
/// client (other processes too) until disposed. For tests, benchmarks, <c>feedback-dev kafka</c> and the local run;
/// never shipped (it lives in the dev tool, not in the service's library). Upstream calls this API experimental. Each
/// partition keeps at most about 100,000 messages or 5 MiB, and everything is gone when the hosting process exits.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private IntPtr _client;
    private IntPtr _cluster;

    private MockKafkaCluster(IntPtr client, IntPtr cluster, int brokers)
    {
        _client = client;
        _cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("the mock cluster reported no bootstrap servers");
    }

    /// <summary>The cluster's <c>host:port,...</c> on loopback.</summary>
    public string BootstrapServers { get; }

    /// <summary>Broker ids run from 1 to this.</summary>
    public int Brokers { get; }

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers.</summary>
    public static MockKafkaCluster Start(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        // A producer handle owns the cluster; it never produces. Quiet it: the mock logs through it.
        var client = Librdkafka.New(Librdkafka.Producer, Librdkafka.NewConfiguration([new("log_level", "3")]));

        var cluster = rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            Librdkafka.rd_kafka_destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        return new MockKafkaCluster(client, cluster, brokers);
    }

    /// <summary>Creates a topic with a chosen partition count (replication factor 1).</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Check(rd_kafka_mock_topic_create(_cluster, topic, partitions, 1), $"creating topic {topic}");
    }

    /// <summary>Takes broker <paramref name="brokerId"/> (1-based) down: its connections are closed and refused.</summary>
    public void SetBrokerDown(int brokerId) => Check(rd_kafka_mock_broker_set_down(_cluster, brokerId), $"setting broker {brokerId} down");

    /// <summary>Brings broker <paramref name="brokerId"/> back up.</summary>
    public void SetBrokerUp(int brokerId) => Check(rd_kafka_mock_broker_set_up(_cluster, brokerId), $"setting broker {brokerId} up");

    /// <summary>How long the first consumer group join waits for more members (librdkafka default 3 s).</summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay) =>
        rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, (int)delay.TotalMilliseconds);

    public void Dispose()
    {
        if (_cluster != IntPtr.Zero)
        {
            rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = IntPtr.Zero;
        }

        if (_client != IntPtr.Zero)
        {
            Librdkafka.rd_kafka_destroy(_client);
            _client = IntPtr.Zero;
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"mock cluster: {what} failed with librdkafka error {error}");
        }
    }
}
