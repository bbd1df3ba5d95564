using FeedbackRedis.Items;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Writes the item stored in Redis: normalised, readable JSON (docs/EVENTS.md). Field order is fixed; absent optional
/// fields are left out; unknown fields are kept verbatim under <c>extra</c>. Non-ASCII text stays readable in
/// <c>redis-cli</c> (relaxed escaping: items are data, never embedded in HTML).
/// </summary>
public static class FeedbackItem
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>The item for <paramref name="e"/>, and its size in UTF-8 bytes.</summary>
    public static (string Item, int Bytes) Write(FeedbackEvent e, string eventId, in IncomingMessage source, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        w.Reset(buffer);

        w.WriteStartObject();
        w.WriteString("eventId"u8, eventId);
        w.WriteString("agentId"u8, e.AgentId);
        w.WriteString("type"u8, e.Type == FeedbackType.Reply ? "reply"u8 : "reaction"u8);
        w.WriteString("topic"u8, source.Topic);
        w.WriteNumber("partition"u8, source.Partition);
        w.WriteNumber("offset"u8, source.Offset);
        WriteIfSet(w, "messageId"u8, e.MessageId);
        WriteIfSet(w, "conversationId"u8, e.ConversationId);
        WriteIfSet(w, "userId"u8, e.UserId);
        WriteIfSet(w, "text"u8, e.Text);
        WriteIfSet(w, "reaction"u8, e.Reaction);
        Span<byte> stamp = stackalloc byte[24];
        if (e.OccurredAt is { } occurred)
        {
            w.WriteString("occurredAt"u8, Utf8Timestamp(occurred, stamp));
        }

        w.WriteString("receivedAt"u8, Utf8Timestamp(receivedAt, stamp));
        if (e.Extra.Count > 0)
        {
            w.WriteStartObject("extra"u8);
            foreach (var (name, raw) in e.Extra)
            {
                w.WritePropertyName(name);
                w.WriteRawValue(raw.Span, skipInputValidation: true);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.Flush();
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), buffer.WrittenCount);
    }

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>UTC, millisecond precision: <c>2026-11-23T12:00:00.000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static ReadOnlySpan<byte> Utf8Timestamp(DateTimeOffset value, Span<byte> buffer) =>
        value.UtcDateTime.TryFormat(buffer, out int written, TimestampFormat, CultureInfo.InvariantCulture)
            ? buffer[..written]
            : throw new InvalidOperationException("a timestamp did not fit its buffer");

    private static void WriteIfSet(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
