using FeedbackRedis.Items;
using System.Buffers;
using System.Text.Json;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// One line of the file sink: one event, as JSON on one line.
/// <code>
/// {"eventId":"e-1","agentId":"agent-7","type":"reaction","reaction":"like","occurredAt":"2026-11-23T12:00:00+00:00",
///  "batchId":"agent-7:42","attempt":1,"writer":"host/123/ab12cd","writtenAt":"...","item":{...the Redis item...}}
/// </code>
/// </summary>
internal static class FileSinkLine
{
    /// <summary>Appends one line (JSON and <c>\n</c>) for <paramref name="e"/> to <paramref name="buffer"/>.</summary>
    /// <remarks>
    /// Throws when the JSON writer cannot write the event (an item string with a lone surrogate escape, say), and may
    /// leave part of the line in <paramref name="buffer"/> then: write to a scratch buffer and copy whole lines.
    /// </remarks>
    public static void Write(ArrayBufferWriter<byte> buffer, ClaimedEvent e, FeedbackBatch batch, DateTimeOffset writtenAt)
    {
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("eventId", e.EventId);
            json.WriteString("agentId", e.AgentId);
            json.WriteString("type", e.Type == FeedbackType.Reply ? "reply" : "reaction");
            if (e.Reaction is not null)
            {
                json.WriteString("reaction", e.Reaction);
            }

            if (e.At is { } at)
            {
                json.WriteString("occurredAt", at);
            }

            json.WriteString("batchId", batch.BatchId);
            json.WriteNumber("attempt", batch.Claim.Attempt);
            json.WriteString("writer", batch.Claim.Lease.Owner);
            json.WriteString("writtenAt", writtenAt);
            json.WritePropertyName("item");
            e.Item.WriteTo(json);
            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
    }
}
