using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace FeedbackRedis.Kafka;

/// <summary>
/// The few librdkafka C functions the service calls itself because Confluent.Kafka does not expose them:
/// <c>rd_kafka_clusterid</c> (<see cref="KafkaClusterId"/>) and a bare handle for the TLS check (<see cref="KafkaTls"/>).
/// Calls the librdkafka that Confluent.Kafka ships. The mock cluster's functions are declared by the dev tool
/// (tools/FeedbackRedis.DevTools), which loads the same library through <see cref="Resolve"/>.
/// </summary>
internal static partial class Librdkafka
{
    public const string Library = "rdkafka-native";

    /// <summary><c>RD_KAFKA_PRODUCER</c>.</summary>
    public const int Producer = 0;

    static Librdkafka() => NativeLibrary.SetDllImportResolver(typeof(Librdkafka).Assembly, Resolve);

    /// <summary>A librdkafka configuration with <paramref name="settings"/> set; the caller hands it to <see cref="New"/> or destroys it.</summary>
    public static IntPtr NewConfiguration(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var conf = rd_kafka_conf_new();
        var error = new byte[512];
        foreach (var (name, value) in settings)
        {
            if (rd_kafka_conf_set(conf, name, value, error, (UIntPtr)error.Length) != 0)
            {
                rd_kafka_conf_destroy(conf);
                // Never the value: it may be a password or a key.
                throw new InvalidOperationException($"librdkafka refused the setting {name}: {Text(error)}");
            }
        }

        return conf;
    }

    /// <summary>A client handle of <paramref name="type"/> that owns <paramref name="conf"/> (also on failure).</summary>
    public static IntPtr New(int type, IntPtr conf)
    {
        var error = new byte[512];
        var client = rd_kafka_new(type, conf, error, (UIntPtr)error.Length);
        return client != IntPtr.Zero ? client : throw new InvalidOperationException("rd_kafka_new failed: " + Text(error));
    }

    public static string Text(byte[] buffer) => Encoding.UTF8.GetString(buffer).TrimEnd('\0');

    /// <summary>
    /// Loads the librdkafka that Confluent.Kafka ships. Debian 12 lacks the libsasl2.so.3 the default build needs, so,
    /// like Confluent.Kafka, fall back to the centos8 build in the same folder.
    /// </summary>
    internal static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
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
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_opaque(IntPtr conf, IntPtr opaque);

    [LibraryImport(Library)]
    public static unsafe partial void rd_kafka_conf_set_log_cb(IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, IntPtr, void> logCallback);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_opaque(IntPtr rk);

    [LibraryImport(Library)]
    public static partial int rd_kafka_metadata(IntPtr rk, int allTopics, IntPtr onlyTopic, out IntPtr metadata, int timeoutMs);

    [LibraryImport(Library)]
    public static partial void rd_kafka_metadata_destroy(IntPtr metadata);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_clusterid(IntPtr rk, int timeoutMs);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mem_free(IntPtr rk, IntPtr ptr);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_err2str(int err);
}
