using System.Text;
using CsCheck;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>One generated Kafka message: the topic it is sent on (reply or reaction) and its raw value.</summary>
public sealed record HostileMessage(bool OnReplyTopic, byte[] Value)
{
    public override string ToString() =>
        $"{(OnReplyTopic ? "reply" : "reaction")}: {Escape(Value)}";

    private static string Escape(byte[] value)
    {
        string text = Encoding.UTF8.GetString(value);
        return text.Length <= 2_000 ? text : text[..2_000] + $"... ({value.Length:N0} bytes)";
    }
}

/// <summary>
/// Generates Kafka message values the way a careless or hostile producer could send them: mostly feedback events
/// (valid, or valid but for one thing), carrying unknown fields whose names and values are made of lone and paired
/// surrogate escapes, control characters, raw and escaped non-ASCII, numbers that are huge, tiny or not finite,
/// nesting around every depth limit, repeated names, huge strings and many fields; and some plain garbage (invalid
/// UTF-8, truncated JSON, JSON that is not an object). The size is the value's length, so CsCheck shrinks towards
/// short messages.
/// </summary>
public sealed class HostileMessages : Gen<HostileMessage>
{
    public static readonly HostileMessages Gen = new();

    private static readonly string[] StringPieces =
    [
        "a", "Z", "agent", " ", "-", "_", ".", "é", "日本", "😀", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u0041",
        "\\ud83d\\ude00", "\\ud800", "\\udfff", "\\udc00x", "\\uD834", "\\u0000", "\\u001f", "\\u007f", "\\u2028", "\\uFFFF",
        "\\uFEFF", "</script>", "$set", "a.b", "{", "}", "[", ":", ",",
    ];

    private static readonly string[] SafePieces =
        [.. StringPieces.Where(p => p is not ("\\ud800" or "\\udfff" or "\\udc00x" or "\\uD834"))];

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "1.5", "1e3", "1E+2", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "123456789012345678901234567890", "1e308", "1.7976931348623157e308", "1e309", "1e400",
        "-1e400", "1e-400", "0.1e-320", "4.9e-324",
    ];

    private static readonly string[] KnownNames = ["version", "eventId", "agentId", "messageId", "conversationId", "userId", "occurredAt", "text", "reaction"];

    private static readonly int[] Towers = [30, 31, 32, 33, 34, 63, 64, 65, 300];

    public override HostileMessage Generate(PCG pcg, Size? min, out Size size)
    {
        bool reply = pcg.Next(2) == 0;
        byte[] value = pcg.Next(20) == 0 ? Garbage(pcg) : Mangle(pcg, Encoding.UTF8.GetBytes(Event(pcg, reply)));
        size = new Size((ulong)value.Length);
        return new HostileMessage(reply, value);
    }

    private static byte[] Garbage(PCG pcg)
    {
        var bytes = new byte[pcg.Next(48)];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)pcg.Next(256);
        }

        return bytes;
    }

    /// <summary>Now and then breaks the bytes: cut short, an invalid UTF-8 byte, trailing content.</summary>
    private static byte[] Mangle(PCG pcg, byte[] json) => pcg.Next(40) switch
    {
        0 when json.Length > 1 => json[..(int)pcg.Next((uint)json.Length)],
        1 => [.. json[..(int)pcg.Next((uint)json.Length + 1)], (byte)(0x80 + pcg.Next(0x7f)), .. json],
        2 => [.. json, (byte)' ', (byte)'x'],
        3 => [.. "[1,"u8, .. json, (byte)']'],
        _ => json,
    };

    private static string Event(PCG pcg, bool reply)
    {
        var fields = new List<string>();
        if (pcg.Next(10) == 0)
        {
            fields.Add($"\"version\":{(pcg.Next(3) == 0 ? Number(pcg) : "1")}");
        }

        fields.Add($"\"agentId\":{(pcg.Next(8) == 0 ? Value(pcg, 2, 3) : Quote(AgentId(pcg)))}");
        if (pcg.Next(3) > 0)
        {
            fields.Add($"\"eventId\":{(pcg.Next(6) == 0 ? Value(pcg, 2, 3) : Quote($"e-{pcg.Next()}{(pcg.Next(6) == 0 ? Text(pcg, 4) : "")}"))}");
        }

        if (pcg.Next(12) > 0)
        {
            string payload = reply ? "text" : "reaction";
            fields.Add($"\"{payload}\":{(pcg.Next(10) == 0 ? Value(pcg, 2, 3) : Quote(pcg.Next(4) == 0 ? Text(pcg, 12) : reply ? "thanks" : "thumbs_up"))}");
        }

        foreach (string known in new[] { "messageId", "conversationId", "userId" })
        {
            if (pcg.Next(3) == 0)
            {
                fields.Add($"\"{known}\":{(pcg.Next(10) == 0 ? Value(pcg, 2, 2) : Quote(Text(pcg, 6)))}");
            }
        }

        if (pcg.Next(4) == 0)
        {
            string[] times = ["2026-11-23T12:00:00Z", "2026-11-23T13:00:00.123+01:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "yesterday", "2026-02-30T00:00:00Z"];
            fields.Add($"\"occurredAt\":{Quote(times[pcg.Next((uint)times.Length)])}");
        }

        int extras = pcg.Next(5) == 0 ? (int)pcg.Next(40) : (int)pcg.Next(4);
        for (int i = 0; i < extras; i++)
        {
            fields.Add($"{Quote(pcg.Next(6) == 0 ? Text(pcg, 4) : $"x{pcg.Next(8)}")}:{Value(pcg, 2, 5)}");
        }

        if (pcg.Next(15) == 0)
        {
            fields.Add($"\"{KnownNames[pcg.Next((uint)KnownNames.Length)]}\":\"again\"");
        }

        if (pcg.Next(200) == 0)
        {
            fields.Add($"\"huge\":\"{new string('h', 60_000 + (int)pcg.Next(20_000))}\"");
        }

        Shuffle(pcg, fields);
        return "{" + string.Join(",", fields) + "}";
    }

    private static string AgentId(PCG pcg)
    {
        const string allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";
        int length = pcg.Next(40) == 0 ? 125 + (int)pcg.Next(6) : 1 + (int)pcg.Next(12);
        var id = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            id.Append(allowed[(int)pcg.Next((uint)allowed.Length)]);
        }

        if (pcg.Next(20) == 0)
        {
            id.Insert((int)pcg.Next((uint)id.Length + 1), Text(pcg, 1));
        }

        return id.ToString();
    }

    /// <summary>A JSON value nested at most <paramref name="depthLeft"/> more levels; sometimes a tower around a limit.</summary>
    private static string Value(PCG pcg, int depth, int depthLeft)
    {
        if (pcg.Next(120) == 0)
        {
            return Tower(pcg, Towers[pcg.Next((uint)Towers.Length)] - depth + 1);
        }

        switch (pcg.Next(depthLeft > 0 ? 8u : 5u))
        {
            case 0:
            case 1:
                return Quote(Text(pcg, 8));
            case 2:
                return pcg.Next(3) == 0 ? Number(pcg) : pcg.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            case 3:
                return pcg.Next(3) switch { 0 => "true", 1 => "false", _ => "null" };
            case 4:
                return Quote("");
            case 5:
            {
                var items = Enumerable.Range(0, (int)pcg.Next(4)).Select(_ => Value(pcg, depth + 1, depthLeft - 1));
                return "[" + string.Join(",", items) + "]";
            }

            default:
            {
                var names = Enumerable.Range(0, (int)pcg.Next(4)).Select(_ => pcg.Next(4) == 0 ? Text(pcg, 3) : $"k{pcg.Next(3)}").ToList();
                return "{" + string.Join(",", names.Select(n => $"{Quote(n)}:{Value(pcg, depth + 1, depthLeft - 1)}")) + "}";
            }
        }
    }

    /// <summary>Arrays and objects nested <paramref name="levels"/> deep.</summary>
    private static string Tower(PCG pcg, int levels)
    {
        var open = new StringBuilder();
        var close = new StringBuilder();
        for (int i = 0; i < Math.Max(1, levels); i++)
        {
            if (pcg.Next(2) == 0)
            {
                open.Append('[');
                close.Insert(0, ']');
            }
            else
            {
                open.Append("{\"d\":");
                close.Insert(0, '}');
            }
        }

        return open + "0" + close;
    }

    private static string Number(PCG pcg) => Numbers[pcg.Next((uint)Numbers.Length)];

    private static string Text(PCG pcg, int maxPieces)
    {
        var text = new StringBuilder();
        int pieces = (int)pcg.Next((uint)maxPieces + 1);
        bool hostile = pcg.Next(4) == 0; // most strings are merely unusual; one in four may break a rule
        string[] from = hostile ? StringPieces : SafePieces;
        for (int i = 0; i < pieces; i++)
        {
            text.Append(hostile && pcg.Next(30) == 0 ? ((char)pcg.Next(32)).ToString() : from[pcg.Next((uint)from.Length)]);
        }

        return text.ToString();
    }

    /// <summary>Quotes text whose escapes are already JSON (pieces are JSON-escaped fragments); a raw quote is escaped.</summary>
    private static string Quote(string jsonText) => "\"" + QuoteInner(jsonText) + "\"";

    private static string QuoteInner(string text)
    {
        var quoted = new StringBuilder(text.Length + 2);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                quoted.Append(c).Append(text[++i]); // an escape from the pieces: keep it whole
            }
            else
            {
                quoted.Append(c is '"' ? "\\\"" : c.ToString());
            }
        }

        return quoted.ToString();
    }

    private static void Shuffle(PCG pcg, List<string> fields)
    {
        for (int i = fields.Count - 1; i > 0; i--)
        {
            int j = (int)pcg.Next((uint)i + 1);
            (fields[i], fields[j]) = (fields[j], fields[i]);
        }
    }
}
