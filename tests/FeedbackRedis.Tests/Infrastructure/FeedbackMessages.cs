using System.Text;
using System.Text.Json;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Valid and malformed feedback messages, as producers would send them.</summary>
public static class FeedbackMessages
{
    public const string Reply = "reply";
    public const string Reaction = "reaction";

    /// <summary>A valid event of either kind; <paramref name="eventId"/> null leaves the id to the Kafka coordinates.</summary>
    public static byte[] Valid(string kind, string agentId, string? eventId, int n = 0)
    {
        var fields = new Dictionary<string, object?>
        {
            ["agentId"] = agentId,
            ["messageId"] = $"m-{n}",
            ["conversationId"] = $"c-{n % 97}",
            ["userId"] = $"u-{n % 13}",
            ["occurredAt"] = "2026-11-23T12:00:00Z",
        };
        if (eventId is not null)
        {
            fields["eventId"] = eventId;
        }

        if (kind == Reply)
        {
            fields["text"] = $"reply {n}";
        }
        else
        {
            fields["reaction"] = n % 2 == 0 ? "thumbs_up" : "thumbs_down";
        }

        return JsonSerializer.SerializeToUtf8Bytes(fields);
    }

    /// <summary>One malformed message: the topic kind it goes to, its value and the dead-letter reason it must get.</summary>
    public sealed record Malformed(string Name, string Kind, byte[]? Value, string Reason)
    {
        public override string ToString() => Name;
    }

    /// <summary>
    /// Every kind of bad message the consumer must dead-letter (unknown-topic cannot come through a subscription; the
    /// classifier tests cover it). <paramref name="maxItemBytes"/> sizes the too-large ones; <paramref name="i"/> makes ids unique.
    /// </summary>
    public static IReadOnlyList<Malformed> AllKinds(int maxItemBytes, int i = 0)
    {
        string id = $"bad-{i}";
        byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
        string big = new('x', maxItemBytes);
        string justUnder = new('y', maxItemBytes - 140);
        return
        [
            new("truncated JSON", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}","text":"""), "not-json"),
            new("plain text", Reply, Json("hello, this is not json"), "not-json"),
            new("null value", Reaction, null, "not-json"),
            new("invalid UTF-8", Reply, [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d], "not-json"),
            new("trailing garbage", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}","text":"t"} extra"""), "not-json"),
            new("JSON array", Reply, Json("[1,2,3]"), "wrong-shape"),
            new("JSON string", Reaction, Json("\"thumbs_up\""), "wrong-shape"),
            new("reply without text", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}"}"""), "wrong-shape"),
            new("reaction without reaction", Reaction, Json($$"""{"agentId":"a1","eventId":"{{id}}","text":"hi"}"""), "wrong-shape"),
            new("text is a number", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}","text":42}"""), "wrong-shape"),
            new("agentId twice", Reply, Json($$"""{"agentId":"a1","agentId":"a2","eventId":"{{id}}","text":"t"}"""), "wrong-shape"),
            new("occurredAt not a date", Reaction, Json($$"""{"agentId":"a1","eventId":"{{id}}","reaction":"up","occurredAt":"yesterday"}"""), "wrong-shape"),
            new("version as a string", Reply, Json($$"""{"version":"1","agentId":"a1","eventId":"{{id}}","text":"t"}"""), "wrong-shape"),
            new("agentId missing", Reply, Json($$"""{"eventId":"{{id}}","text":"t"}"""), "invalid-agent-id"),
            new("agentId with a colon", Reaction, Json($$"""{"agentId":"agent:1","eventId":"{{id}}","reaction":"up"}"""), "invalid-agent-id"),
            new("agentId too long", Reply, Json($$"""{"agentId":"{{new string('a', 129)}}","eventId":"{{id}}","text":"t"}"""), "invalid-agent-id"),
            new("agentId a number", Reply, Json($$"""{"agentId":42,"eventId":"{{id}}","text":"t"}"""), "invalid-agent-id"),
            new("eventId empty", Reply, Json("""{"agentId":"a1","eventId":"","text":"t"}"""), "invalid-event-id"),
            new("eventId with a control character", Reaction, Json($$"""{"agentId":"a1","eventId":"{{id}}\u0001","reaction":"up"}"""), "invalid-event-id"),
            new("eventId too long", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}{{new string('e', 300)}}","text":"t"}"""), "invalid-event-id"),
            new("eventId a number", Reply, Json("""{"agentId":"a1","eventId":7,"text":"t"}"""), "invalid-event-id"),
            new("message over the limit", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}","text":"{{big}}"}"""), "too-large"),
            new("item over the limit", Reply, Json($$"""{"agentId":"a1","eventId":"{{id}}","text":"{{justUnder}}"}"""), "too-large"),
            new("version 2", Reply, Json($$"""{"version":2,"agentId":"a1","eventId":"{{id}}","text":"t"}"""), "unsupported-version"),
            new("version 99 without agent", Reaction, Json($$"""{"version":99,"eventId":"{{id}}","emoji":"up"}"""), "unsupported-version"),
        ];
    }
}
