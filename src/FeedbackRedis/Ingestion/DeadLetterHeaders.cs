using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The headers a dead letter carries (values UTF-8 text), after the original message's own headers. Every name here is
/// reserved: an incoming header with one of them is not copied, whether or not this dead letter sets it, so a producer
/// cannot forge <c>dlq.reason</c> or <c>dlq.truncated</c>. The other original headers (W3C <c>traceparent</c>,
/// <c>tracestate</c>, ...) are kept, in their order.
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

    /// <summary>
    /// <c>true</c> on a dead letter that the dead-letter topic refused whole and took cut down
    /// (<see cref="DeadLetterMessages.Reduced"/>); absent on a whole one.
    /// </summary>
    public const string Truncated = "dlq.truncated";

    /// <summary>On a truncated dead letter: the original value's size in bytes (0 for a null value).</summary>
    public const string OriginalSize = "dlq.original.size";

    /// <summary>On a truncated dead letter whose key was cut too: the original key's size in bytes.</summary>
    public const string OriginalKeySize = "dlq.original.key.size";

    /// <summary>On a truncated dead letter that left original headers out: how many.</summary>
    public const string OmittedHeaders = "dlq.original.headers.omitted";

    /// <summary>The names this consumer writes; incoming headers with these names are dropped.</summary>
    public static FrozenSet<string> Reserved { get; } = new[]
    {
        Reason, Detail, SourceTopic, SourcePartition, SourceOffset, SourceTimestamp, ConsumerGroup,
        Truncated, OriginalSize, OriginalKeySize, OmittedHeaders,
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The original headers (reserved names left out) followed by the dead-letter headers.</summary>
    public static Headers For(ConsumeResult<byte[]?, byte[]?> source, Classification classification, string consumerGroup)
    {
        ArgumentNullException.ThrowIfNull(source);
        return For(source, classification, consumerGroup, Kept(source.Message.Headers), cut: null);
    }

    /// <summary>The original headers that a dead letter may carry: all but the reserved names, in order.</summary>
    internal static List<IHeader> Kept(Headers? original) =>
        original is null ? [] : [.. original.Where(h => !Reserved.Contains(h.Key))];

    /// <summary><paramref name="kept"/> followed by the dead-letter headers, and the truncation headers when <paramref name="cut"/> is set.</summary>
    internal static Headers For(
        ConsumeResult<byte[]?, byte[]?> source,
        Classification classification,
        string consumerGroup,
        IEnumerable<IHeader> kept,
        DeadLetterCut? cut)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(classification);
        var headers = new Headers();
        foreach (var header in kept)
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        Add(headers, Reason, classification.Reason.Name());
        Add(headers, Detail, classification.Detail);
        Add(headers, SourceTopic, source.Topic);
        Add(headers, SourcePartition, Text(source.Partition.Value));
        Add(headers, SourceOffset, Text(source.Offset.Value));
        Add(headers, SourceTimestamp, Text(source.Message.Timestamp.UnixTimestampMs));
        Add(headers, ConsumerGroup, consumerGroup);
        if (cut is not null)
        {
            Add(headers, Truncated, "true");
            Add(headers, OriginalSize, Text(cut.OriginalValueBytes));
            if (cut.OriginalKeyBytes is { } keyBytes)
            {
                Add(headers, OriginalKeySize, Text(keyBytes));
            }

            if (cut.OmittedHeaders > 0)
            {
                Add(headers, OmittedHeaders, Text(cut.OmittedHeaders));
            }
        }

        return headers;
    }

    /// <summary>The text of the last header named <paramref name="key"/>, or null.</summary>
    public static string? Text(Headers headers, string key) =>
        headers is not null && headers.TryGetLastBytes(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>
    /// True for a W3C trace header (<c>traceparent</c>, <c>tracestate</c>) of at most 1 KiB: what links a dead letter to
    /// its producer's trace, so a truncated dead letter keeps it whatever else it leaves out.
    /// </summary>
    internal static bool IsTraceContext(IHeader header) =>
        header.Key is FeedbackTracing.TraceParentHeader or FeedbackTracing.TraceStateHeader && Size(header) <= 1024;

    /// <summary>Bytes a header takes in a record, as counted against a size limit: its name and its value.</summary>
    internal static int Size(IHeader header) => Encoding.UTF8.GetByteCount(header.Key) + (header.GetValueBytes()?.Length ?? 0);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
