using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace FeedbackRedis.Kafka;

/// <summary>
/// librdkafka's built-in mock Kafka cluster, hosted in this process and reachable over TCP on loopback by any Kafka
/// client (other processes too) until disposed. For tests, <c>feedbackctl dev kafka</c> and the local run; never for
/// production. Upstream calls this API experimental. Each partition keeps at most about 100,000 messages or 5 MiB,
/// and everything is gone when the hosting process exits.
/// </summary>
public sealed partial class MockKafkaCluster : IDisposable
{
    private const string Library = "rdkafka-mock";
    private IntPtr _client;
    private IntPtr _cluster;

    static MockKafkaCluster() => NativeLibrary.SetDllImportResolver(typeof(MockKafkaCluster).Assembly, Resolve);

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
        var conf = rd_kafka_conf_new();
        var error = new byte[512];
        // A producer handle owns the cluster; it never produces. Quiet it: the mock logs through it.
        Set(conf, "log_level", "3", error);
        var client = rd_kafka_new(0, conf, error, (UIntPtr)error.Length);
        if (client == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Text(error));
        }

        var cluster = rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(client);
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
            rd_kafka_destroy(_client);
            _client = IntPtr.Zero;
        }
    }

    private static void Set(IntPtr conf, string name, string value, byte[] error)
    {
        if (rd_kafka_conf_set(conf, name, value, error, (UIntPtr)error.Length) != 0)
        {
            throw new InvalidOperationException($"rd_kafka_conf_set {name}: {Text(error)}");
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"mock cluster: {what} failed with librdkafka error {error}");
        }
    }

    private static string Text(byte[] buffer) => Encoding.UTF8.GetString(buffer).TrimEnd('\0');

    /// <summary>
    /// Loads the librdkafka that Confluent.Kafka ships. Debian 12 lacks the libsasl2.so.3 the default build needs, so,
    /// like Confluent.Kafka, fall back to the centos8 build in the same folder.
    /// </summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string folder = Path.Combine(AppContext.BaseDirectory, "runtimes", arch, "native");
        foreach (var candidate in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, candidate), out var handle))
            {
                return handle;
            }
        }

        return NativeLibrary.TryLoad("librdkafka.so.1", out var system) ? system
            : throw new DllNotFoundException($"no loadable librdkafka in {folder}");
    }

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);
}
