using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Owns the consumer's lag gauge: every <see cref="Interval"/>, per topic, the high watermark librdkafka last fetched
/// minus the position, over the partitions this process owns. Cached values only: no broker round trip. Not
/// thread-safe: the consumer loop owns it.
/// </summary>
public sealed class LagGauge(IngestionMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// How often the gauge is refreshed: two librdkafka calls per owned partition, so not on every turn (a turn takes
    /// a few milliseconds at full speed); a scrape every few seconds sees a value at most this old.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Cadence _check = new(time, Interval);

    /// <summary>Publishes the lag of <paramref name="consumer"/>'s assignment if <see cref="Interval"/> has passed.</summary>
    public void RecordIfDue(IConsumer<byte[]?, byte[]?> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        if (!_check.IsDue)
        {
            return;
        }

        _check.Restart();
        var lag = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var partition in consumer.Assignment)
        {
            long high = consumer.GetWatermarkOffsets(partition).High.Value;
            long position = consumer.Position(partition).Value;
            if (high >= 0 && position >= 0)
            {
                lag[partition.Topic] = lag.GetValueOrDefault(partition.Topic) + Math.Max(0, high - position);
            }
        }

        metrics.Lag(lag);
    }
}
