using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The headers a dead letter carries (values UTF-8 text), after the original message's own headers. The value and key
/// are the original bytes, untouched.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>Why: one of the <see cref="DeadLetterReasonNames"/> (<c>not-json</c>, <c>invalid-agent-id</c>, ...).</summary>
    public const string Reason = "dlq.reason";

    /// <summary>A sentence saying what exactly is wrong.</summary>
    public const string Detail = "dlq.detail";

    public const string SourceTopic = "dlq.source.topic";

    public const string SourcePartition = "dlq.source.partition";

    public const string SourceOffset = "dlq.source.offset";

    /// <summary>The original message's timestamp, milliseconds since the Unix epoch.</summary>
    public const string SourceTimestamp = "dlq.source.timestamp";

    /// <summary>The consumer group that dead-lettered it.</summary>
    public const string ConsumerGroup = "dlq.consumer.group";

    /// <summary>The original headers followed by the dead-letter headers.</summary>
    public static Headers For(ConsumeResult<byte[]?, byte[]?> source, Classification classification, string consumerGroup)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(classification);
        var headers = new Headers();
        if (source.Message.Headers is { } original)
        {
            foreach (var header in original)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }

        Add(headers, Reason, classification.Reason.Name());
        Add(headers, Detail, classification.Detail);
        Add(headers, SourceTopic, source.Topic);
        Add(headers, SourcePartition, source.Partition.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, SourceOffset, source.Offset.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, SourceTimestamp, source.Message.Timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture));
        Add(headers, ConsumerGroup, consumerGroup);
        return headers;
    }

    /// <summary>The text of the last header named <paramref name="key"/>, or null.</summary>
    public static string? Text(Headers headers, string key) =>
        headers is not null && headers.TryGetLastBytes(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
