using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The two forms of a dead letter. <see cref="Whole"/>: the original key and value byte for byte, the original headers
/// and the dead-letter headers. <see cref="Reduced"/>: the same, cut to a bounded size, for when the dead-letter topic
/// refuses the whole one permanently (a topic limit below the message's size, say).
/// </summary>
public static class DeadLetterMessages
{
    /// <summary>
    /// A truncated dead letter keeps the first 64 KiB of the value: enough to see what the message was, and small enough
    /// for any dead-letter topic (Kafka's default limit is 1 MiB).
    /// </summary>
    public const int TruncatedValueBytes = 64 * 1024;

    /// <summary>A truncated dead letter keeps the first 1 KiB of the key (keys are normally far shorter).</summary>
    public const int TruncatedKeyBytes = 1024;

    /// <summary>
    /// A truncated dead letter keeps the original headers, in order, while they fit in 16 KiB together (name and value
    /// bytes); the others are left out and counted in <c>dlq.original.headers.omitted</c>. The W3C trace headers
    /// (<see cref="DeadLetterHeaders.IsTraceContext"/>) are always kept, and counted first.
    /// </summary>
    public const int TruncatedHeaderBytes = 16 * 1024;

    /// <summary>The whole dead letter: original key, value and headers, then the dead-letter headers.</summary>
    public static Message<byte[]?, byte[]?> Whole(ConsumeResult<byte[]?, byte[]?> source, Classification classification, string consumerGroup)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new Message<byte[]?, byte[]?>
        {
            Key = source.Message.Key,
            Value = source.Message.Value,
            Headers = DeadLetterHeaders.For(source, classification, consumerGroup),
        };
    }

    /// <summary>
    /// The dead letter cut to at most <see cref="TruncatedValueBytes"/> of value, <see cref="TruncatedKeyBytes"/> of key
    /// and <see cref="TruncatedHeaderBytes"/> of original headers, with <c>dlq.truncated=true</c> and the original sizes.
    /// When nothing needed cutting it is the whole dead letter again, and <paramref name="truncated"/> is false.
    /// </summary>
    public static Message<byte[]?, byte[]?> Reduced(
        ConsumeResult<byte[]?, byte[]?> source, Classification classification, string consumerGroup, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(source);
        var original = source.Message;
        var value = Prefix(original.Value, TruncatedValueBytes);
        var key = Prefix(original.Key, TruncatedKeyBytes);
        var kept = new List<IHeader>();
        var originals = DeadLetterHeaders.Kept(original.Headers);
        int omitted = 0;
        int headerBytes = originals.Where(DeadLetterHeaders.IsTraceContext).Sum(DeadLetterHeaders.Size); // tracing: never cut
        foreach (var header in originals)
        {
            int size = DeadLetterHeaders.Size(header);
            if (DeadLetterHeaders.IsTraceContext(header))
            {
                kept.Add(header);
            }
            else if (headerBytes + size <= TruncatedHeaderBytes)
            {
                kept.Add(header);
                headerBytes += size;
            }
            else
            {
                omitted++;
            }
        }

        bool valueCut = !ReferenceEquals(value, original.Value);
        bool keyCut = !ReferenceEquals(key, original.Key);
        truncated = valueCut || keyCut || omitted > 0;
        var cut = truncated
            ? new DeadLetterCut(original.Value?.LongLength ?? 0, keyCut ? original.Key!.Length : null, omitted)
            : null;
        return new Message<byte[]?, byte[]?>
        {
            Key = key,
            Value = value,
            Headers = DeadLetterHeaders.For(source, classification, consumerGroup, kept, cut),
        };
    }

    /// <summary>The first <paramref name="max"/> bytes (a copy), or the same array when it is no longer.</summary>
    private static byte[]? Prefix(byte[]? bytes, int max) => bytes is null || bytes.Length <= max ? bytes : bytes[..max];
}
