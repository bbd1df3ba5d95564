using System.Runtime.InteropServices;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.DevTools.Kafka;

/// <summary>
/// librdkafka's mock cluster functions (upstream calls them experimental), from the librdkafka that Confluent.Kafka
/// ships, loaded as the service's own calls load it (<see cref="Librdkafka.Resolve"/>: with the centos8 fallback on
/// Debian 12). Declared here, in the dev tool, so the shipped library holds no mock broker.
/// </summary>
internal static partial class MockKafkaNative
{
    static MockKafkaNative() => NativeLibrary.SetDllImportResolver(typeof(MockKafkaNative).Assembly, Librdkafka.Resolve);

    [LibraryImport(Librdkafka.Library)]
    public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Librdkafka.Library)]
    public static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Librdkafka.Library)]
    public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Librdkafka.Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Librdkafka.Library)]
    public static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [LibraryImport(Librdkafka.Library)]
    public static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [LibraryImport(Librdkafka.Library)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);
}
