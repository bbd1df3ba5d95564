using System.Text;

namespace FeedbackRedis.Kafka;

/// <summary>
/// Reads the framing of PEM text (RFC 7468, plus the RFC 1421 headers of legacy encrypted keys such as
/// <c>Proc-Type: 4,ENCRYPTED</c>): each block's label, whether it says it is encrypted, and that its body is base64.
/// Only the framing: what the DER inside means is librdkafka's (OpenSSL's) to read.
/// </summary>
internal static class Pem
{
    private const string BeginMarker = "-----BEGIN ";
    private const string Dashes = "-----";

    /// <summary>The blocks of <paramref name="text"/>, in order; <paramref name="malformed"/> says what is wrong when a block is broken.</summary>
    public static List<Block> Blocks(string text, out string? malformed)
    {
        ArgumentNullException.ThrowIfNull(text);
        var blocks = new List<Block>();
        malformed = null;
        int at = 0;
        int begin;
        while ((begin = text.IndexOf(BeginMarker, at, StringComparison.Ordinal)) >= 0)
        {
            int labelStart = begin + BeginMarker.Length;
            int labelEnd = text.IndexOf(Dashes, labelStart, StringComparison.Ordinal);
            string label = labelEnd < 0 ? "" : text[labelStart..labelEnd];
            if (label.Length == 0 || label.AsSpan().ContainsAny('\r', '\n'))
            {
                malformed = "a '-----BEGIN' line that does not end in '-----'";
                return blocks;
            }

            string end = $"-----END {label}-----";
            int bodyStart = labelEnd + Dashes.Length;
            int endAt = text.IndexOf(end, bodyStart, StringComparison.Ordinal);
            if (endAt < 0)
            {
                malformed = $"its '{label}' block has no '{end}' line";
                return blocks;
            }

            if (Body(text[bodyStart..endAt], out bool encrypted) is not { Length: > 0 } base64 || !IsBase64(base64))
            {
                malformed = $"the body of its '{label}' block is not base64";
                return blocks;
            }

            blocks.Add(new Block(label, encrypted));
            at = endAt + end.Length;
        }

        return blocks;
    }

    /// <summary>The base64 lines of a block's body, without RFC 1421 header lines (<c>Name: value</c>).</summary>
    private static string Body(string body, out bool encrypted)
    {
        encrypted = false;
        var base64 = new StringBuilder(body.Length);
        foreach (string raw in body.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Contains(':', StringComparison.Ordinal))
            {
                encrypted |= line.StartsWith("Proc-Type:", StringComparison.Ordinal) && line.Contains("ENCRYPTED", StringComparison.Ordinal);
                continue;
            }

            base64.Append(line);
        }

        return base64.ToString();
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out int written) && written > 0;
    }

    /// <summary>One PEM block: its label (<c>CERTIFICATE</c>, <c>PRIVATE KEY</c>, ...) and whether a header marks it encrypted.</summary>
    internal readonly record struct Block(string Label, bool Encrypted);
}
