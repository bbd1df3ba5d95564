using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FeedbackRedis.Items;

public static partial class StoredItem
{
    // Non-ASCII text stays readable in redis-cli (relaxed escaping: items are data, never embedded in HTML).
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = ItemLimits.ReaderMaxDepth,
    };

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>
    /// The item for <paramref name="e"/> (read from the message at <paramref name="topic"/>, <paramref name="partition"/>,
    /// <paramref name="offset"/>) as the UTF-8 bytes stored in Redis: an array of exactly the written length (its
    /// <c>Length</c> is the item's size), handed to the Redis client as it is, never transcoded to a string on the way.
    /// </summary>
    /// <param name="e">An event <see cref="Ingestion.FeedbackEventReader"/> accepted.</param>
    /// <param name="eventId">Its id: the producer's, else the Kafka coordinates.</param>
    /// <param name="traceParent">
    /// The canonical W3C <c>traceparent</c> its producer sent (<see cref="Diagnostics.FeedbackTracing.TraceParentOf"/>), kept as the
    /// optional <c>traceparent</c> field when tracing is on; null leaves the field out.
    /// </param>
    public static byte[] Write(
        FeedbackEvent e, string eventId, string topic, int partition, long offset, DateTimeOffset receivedAt, string? traceParent = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        w.Reset(buffer);

        w.WriteStartObject();
        w.WriteString("eventId"u8, eventId);
        w.WriteString("agentId"u8, e.AgentId);
        w.WriteString("type"u8, TypeName(e.Type));
        w.WriteString("topic"u8, topic);
        w.WriteNumber("partition"u8, partition);
        w.WriteNumber("offset"u8, offset);
        WriteIfSet(w, "messageId"u8, e.MessageId);
        WriteIfSet(w, "conversationId"u8, e.ConversationId);
        WriteIfSet(w, "userId"u8, e.UserId);
        WriteIfSet(w, "text"u8, e.Text);
        WriteIfSet(w, "reaction"u8, e.Reaction);
        Span<byte> stamp = stackalloc byte[RoundTripLength];
        if (e.OccurredAt is { } occurred)
        {
            w.WriteString("occurredAt"u8, Utf8Timestamp(occurred, stamp));
        }

        w.WriteString("receivedAt"u8, Utf8Timestamp(receivedAt, stamp));
        WriteIfSet(w, "traceparent"u8, traceParent);
        if (e.Extra.Count > 0)
        {
            w.WriteStartObject("extra"u8);
            foreach (var (name, raw) in e.Extra)
            {
                w.WritePropertyName(name);
                // Validated by the message reader (depth, text, numbers, repeated names): verbatim here.
                w.WriteRawValue(raw.Span, skipInputValidation: true);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>UTC, millisecond precision: <c>2026-11-23T12:00:00.000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>The item's <c>type</c>: <c>reply</c> or <c>reaction</c>.</summary>
    public static string TypeName(FeedbackType type) => type == FeedbackType.Reply ? "reply" : "reaction";

    // "O" of a UTC time: yyyy-MM-ddTHH:mm:ss.fffffffZ (28 bytes), which the runtime formats on a fast path.
    private const int RoundTripLength = 28;
    private const int StampLength = 24;

    /// <summary>
    /// <see cref="Timestamp"/>'s text as UTF-8, written into <paramref name="buffer"/> (<see cref="RoundTripLength"/> bytes):
    /// the round-trip ("O") form cut to milliseconds: the same text as the custom format (whose <c>fff</c> truncates too),
    /// without its general-purpose formatter, which was a third of this writer's time in the consumer's profile (two per
    /// event; docs/BENCHMARKS.md).
    /// </summary>
    internal static ReadOnlySpan<byte> Utf8Timestamp(DateTimeOffset value, Span<byte> buffer)
    {
        if (!value.UtcDateTime.TryFormat(buffer, out int written, "O", CultureInfo.InvariantCulture) || written != RoundTripLength)
        {
            throw new InvalidOperationException("a timestamp did not fit its buffer");
        }

        buffer[StampLength - 1] = (byte)'Z';
        return buffer[..StampLength];
    }

    private static void WriteIfSet(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
