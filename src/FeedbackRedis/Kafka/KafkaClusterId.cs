using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static FeedbackRedis.Kafka.Librdkafka;

namespace FeedbackRedis.Kafka;

/// <summary>
/// The Kafka cluster id as librdkafka reports it (<c>rd_kafka_clusterid</c>: the <c>ClusterId</c> of a Metadata v2+
/// response, so any broker since Kafka 0.10.1, and librdkafka's mock cluster too, which answers no DescribeCluster).
/// Asked over a short-lived librdkafka handle made from the service's own client settings (TLS and SASL included), with
/// librdkafka's warnings and errors kept so that a failure can say why (a refused connection, a failed TLS handshake).
/// </summary>
internal static class KafkaClusterId
{
    /// <summary>How long one metadata request may take before the next attempt (and a cancellation check).</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Asks until a broker answers or <paramref name="budget"/> passes. Blocks: call it off the caller's thread.</summary>
    /// <returns>The cluster id, or null with <paramref name="problem"/> saying why no broker answered.</returns>
    /// <exception cref="SourceIdUnavailableException">A broker answered, without a cluster id.</exception>
    public static unsafe string? Fetch(
        IReadOnlyDictionary<string, string> settings, TimeProvider time, TimeSpan budget, CancellationToken cancellationToken, out string? problem)
    {
        var log = new LogCollector();
        var logHandle = GCHandle.Alloc(log);
        var rk = IntPtr.Zero;
        try
        {
            var conf = NewConfiguration(settings.Append(new("client.id", "feedback-redis-source-id")));
            rd_kafka_conf_set_opaque(conf, GCHandle.ToIntPtr(logHandle));
            rd_kafka_conf_set_log_cb(conf, &OnLog);
            rk = New(Producer, conf);
            long started = time.GetTimestamp();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var remaining = budget - time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    problem = log.Last ?? "no broker answered";
                    return null;
                }

                int timeoutMs = (int)Math.Ceiling((remaining < AttemptTimeout ? remaining : AttemptTimeout).TotalMilliseconds);
                int error = rd_kafka_metadata(rk, 0, IntPtr.Zero, out var metadata, timeoutMs);
                if (error != 0)
                {
                    log.Note(Marshal.PtrToStringUTF8(rd_kafka_err2str(error)));
                    continue;
                }

                rd_kafka_metadata_destroy(metadata);
                var id = rd_kafka_clusterid(rk, 0);
                if (id == IntPtr.Zero)
                {
                    throw new SourceIdUnavailableException(
                        "the Kafka brokers answered without a cluster id (a broker older than Kafka 0.10.1?). Set FEEDBACK_SOURCE_ID.");
                }

                try
                {
                    problem = null;
                    return Marshal.PtrToStringUTF8(id);
                }
                finally
                {
                    rd_kafka_mem_free(rk, id);
                }
            }
        }
        finally
        {
            if (rk != IntPtr.Zero)
            {
                rd_kafka_destroy(rk); // after this no log callback can run
            }

            logHandle.Free();
        }
    }

    /// <summary>librdkafka's log callback (its own threads): keeps the last warning or error of the handle's collector.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(IntPtr rk, int level, IntPtr facility, IntPtr message)
    {
        const int Warning = 4; // syslog LOG_WARNING; lower is worse
        var opaque = level > Warning ? IntPtr.Zero : rd_kafka_opaque(rk);
        if (opaque == IntPtr.Zero)
        {
            return;
        }

        if (GCHandle.FromIntPtr(opaque).Target is LogCollector log)
        {
            log.Note(Marshal.PtrToStringUTF8(message));
        }
    }

    /// <summary>The last problem librdkafka reported for one handle.</summary>
    private sealed class LogCollector
    {
        private string? _last;

        public string? Last => Volatile.Read(ref _last);

        public void Note(string? text)
        {
            if (!string.IsNullOrEmpty(text))
            {
                Volatile.Write(ref _last, text);
            }
        }
    }
}
