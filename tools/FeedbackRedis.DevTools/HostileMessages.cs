using System.Text;

namespace FeedbackRedis.DevTools;

/// <summary>
/// The hostile messages of the hostile-input work (docs/EVENTS.md, "Bad messages"), one kind at a time, each with the
/// dead-letter reason the consumer must give it. Every message has exactly one problem, so its reason does not depend on
/// the order of the consumer's checks. <c>feedback-dev produce --hostile</c> mixes them into a load;
/// <c>HostileMessagesTests</c> runs each kind through the consumer's own classifier.
/// </summary>
internal static class HostileMessages
{
    /// <summary>Every kind <see cref="Make"/> makes (the giant one is separate: see <see cref="Giant"/>).</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "deep-json", "huge-string", "invalid-utf8", "lone-surrogate", "lone-surrogate-in-name", "non-finite-number",
        "duplicate-keys", "control-char-in-name", "wrong-shape",
    ];

    /// <summary>The kind of <see cref="Giant"/>.</summary>
    public const string GiantKind = "giant";

    /// <summary>One hostile message of <paramref name="kind"/>, its expected reason and its bytes.</summary>
    /// <param name="kind">One of <see cref="Kinds"/>.</param>
    /// <param name="random">Picks the variant (the same seed, the same messages).</param>
    /// <param name="n">The message's number in the load, so that no two are the same.</param>
    /// <param name="reaction">Sent to the reaction topic: the payload field is <c>reaction</c>, else <c>text</c>.</param>
    /// <param name="tooLargeBytes">More than the consumer's item limit: the size of the huge strings.</param>
    public static (string Reason, byte[] Value) Make(string kind, Random random, long n, bool reaction, int tooLargeBytes)
    {
        string head = $"{{\"eventId\":\"hostile-{n}\",\"agentId\":\"agent-1\",{(reaction ? "\"reaction\":\"heart\"" : "\"text\":\"hostile\"")}";
        return kind switch
        {
            // Deeper than the 32 levels the consumer reads, inside an unknown field, well under the size limit.
            "deep-json" => ("too-deep", Deep(head, 33 + random.Next(200))),
            // Two to three bytes a character: over the limit in bytes though fewer characters.
            "huge-string" => ("too-large", Utf8($"{head},\"note\":\"{string.Concat(Enumerable.Repeat("é€", (tooLargeBytes / 5) + 1))}\"}}")),
            "invalid-utf8" => ("not-json", [.. Utf8($"{head},\"note\":\"bad "), .. InvalidUtf8[random.Next(InvalidUtf8.Length)], .. Utf8(" bytes\"}")]),
            "lone-surrogate" => ("invalid-text", Utf8(random.Next(2) == 0
                ? $"{head},\"note\":\"x\\ud800y\"}}"
                : $"{{\"eventId\":\"hostile-{n}\",\"agentId\":\"agent-1\",{(reaction ? "\"reaction\":\"\\udfff\"" : "\"text\":\"a\\udc00\"")}}}")),
            "lone-surrogate-in-name" => ("invalid-text", Utf8($"{head},\"\\ud83d\":1}}")),
            "non-finite-number" => ("invalid-number", Utf8($"{head},\"score\":{(random.Next(2) == 0 ? "1e400" : "-9.9e999")}}}")),
            // A known field twice, or an unknown one twice at depth: a reader must not have to guess which counts.
            "duplicate-keys" => ("wrong-shape", Utf8(random.Next(2) == 0
                ? $"{head},\"agentId\":\"agent-2\"}}"
                : $"{head},\"meta\":{{\"k\":1,\"k\":2}}}}")),
            "control-char-in-name" => ("invalid-text", Utf8($"{head},\"na\\u000{random.Next(1, 8)}me\":1}}")),
            "wrong-shape" => ("wrong-shape", Utf8(WrongShape(random.Next(6), n))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"not a hostile kind; kinds: {string.Join(", ", Kinds)}"),
        };
    }

    /// <summary>
    /// A valid-looking event of <paramref name="bytes"/> bytes (a huge <c>text</c>): over any item limit the service
    /// allows (1 MiB at most), so <c>too-large</c>; near the consumer's 1 MiB partition fetch, so it tests the path of a
    /// message that fills a fetch and its dead letter's size.
    /// </summary>
    public static (string Reason, byte[] Value) Giant(long n, int bytes)
    {
        string head = $"{{\"eventId\":\"giant-{n}\",\"agentId\":\"agent-1\",\"text\":\"";
        int fill = Math.Max(0, bytes - head.Length - 2);
        return ("too-large", Utf8(head + new string('g', fill) + "\"}"));
    }

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xC3, 0x28],             // a lead byte without its continuation
        [0xFF],                   // never valid
        [0xED, 0xA0, 0x80],       // an encoded surrogate (CESU-8)
        [0xC0, 0xAF],             // an overlong '/'
        [0xF4, 0x90, 0x80, 0x80], // above U+10FFFF
    ];

    /// <summary>Valid JSON of the wrong shape: not an object, or a field of the wrong type.</summary>
    private static string WrongShape(int variant, long n) => variant switch
    {
        0 => $"[\"hostile\",{n}]",
        1 => $"\"just a string #{n}\"",
        2 => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        3 => $"{{\"eventId\":\"hostile-{n}\",\"agentId\":\"agent-1\",\"text\":[\"a\",\"list\"],\"reaction\":[1]}}",
        4 => $"{{\"version\":\"1\",\"eventId\":\"hostile-{n}\",\"agentId\":\"agent-1\",\"text\":\"x\",\"reaction\":\"heart\"}}",
        _ => $"{{\"eventId\":\"hostile-{n}\",\"agentId\":\"agent-1\",\"text\":\"x\",\"reaction\":\"heart\",\"occurredAt\":17}}",
    };

    private static byte[] Deep(string head, int depth) => Utf8($"{head},\"x\":{new string('[', depth)}1{new string(']', depth)}}}");

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
