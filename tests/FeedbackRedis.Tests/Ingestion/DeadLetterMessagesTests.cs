using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class DeadLetterMessagesTests
{
    private static readonly Classification TooLarge = Classification.Reject(DeadLetterReason.TooLarge, "the message is too large");

    [Test]
    public void WholeForm_IsTheOriginalKeyAndValueByteForByte()
    {
        var source = Source(Encoding.UTF8.GetBytes("k"), [1, 2, 3, 0xff], new Headers());

        var whole = DeadLetterMessages.Whole(source, TooLarge, "g");

        Assert.Multiple(() =>
        {
            Assert.That(whole.Key, Is.EqualTo(source.Message.Key));
            Assert.That(whole.Value, Is.EqualTo(source.Message.Value));
            Assert.That(DeadLetterHeaders.Text(whole.Headers, DeadLetterHeaders.Reason), Is.EqualTo("too-large"));
        });
    }

    [Test]
    public void ReducedForm_OfASmallMessage_IsTheWholeOneNotMarkedTruncated()
    {
        var source = Source(Encoding.UTF8.GetBytes("k"), new byte[DeadLetterMessages.TruncatedValueBytes], new Headers { { "traceparent", [1] } });

        var reduced = DeadLetterMessages.Reduced(source, TooLarge, "g", out bool truncated);

        Assert.Multiple(() =>
        {
            Assert.That(truncated, Is.False);
            Assert.That(reduced.Value, Has.Length.EqualTo(DeadLetterMessages.TruncatedValueBytes));
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.Truncated), Is.Null);
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.OriginalSize), Is.Null);
        });
    }

    [Test]
    public void ReducedForm_CutsValueKeyAndHeadersToTheirBounds_AndSaysWhatItLeftOut()
    {
        byte[] value = [.. Enumerable.Range(0, 3_000_000).Select(i => (byte)i)];
        byte[] key = new byte[5_000];
        var headers = new Headers { { "traceparent", Encoding.UTF8.GetBytes("00-abc-def-01") } };
        for (int i = 0; i < 10; i++)
        {
            headers.Add($"bulky-{i}", new byte[4_000]);
        }

        headers.Add("tracestate", Encoding.UTF8.GetBytes("v=1"));
        var source = Source(key, value, headers);

        var reduced = DeadLetterMessages.Reduced(source, TooLarge, "g", out bool truncated);

        var originalsKept = reduced.Headers.Where(h => !h.Key.StartsWith("dlq.", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(truncated, Is.True);
            Assert.That(reduced.Value, Is.EqualTo(value[..DeadLetterMessages.TruncatedValueBytes]));
            Assert.That(reduced.Key, Has.Length.EqualTo(DeadLetterMessages.TruncatedKeyBytes));
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.Truncated), Is.EqualTo("true"));
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.OriginalSize), Is.EqualTo("3000000"));
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.OriginalKeySize), Is.EqualTo("5000"));
            Assert.That(originalsKept.Sum(h => h.Key.Length + h.GetValueBytes().Length), Is.LessThanOrEqualTo(DeadLetterMessages.TruncatedHeaderBytes));
            Assert.That(originalsKept.Select(h => h.Key).First(), Is.EqualTo("traceparent"));
            Assert.That(originalsKept.Select(h => h.Key).Last(), Is.EqualTo("tracestate"), "a small header after the bulky ones still fits");
            int omitted = 12 - originalsKept.Count;
            Assert.That(omitted, Is.GreaterThan(0));
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.OmittedHeaders), Is.EqualTo($"{omitted}"));
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.Reason), Is.EqualTo("too-large"));
        });
    }

    [Test]
    public void ReducedForm_BulkyHeadersFillTheBudget_KeepsTheTraceHeadersBehindThem()
    {
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var headers = new Headers();
        for (int i = 0; i < 6; i++)
        {
            headers.Add($"bulky-{i}", new byte[5_000]);
        }

        headers.Add("traceparent", Encoding.UTF8.GetBytes(traceParent));
        headers.Add("tracestate", Encoding.UTF8.GetBytes("vendor=1"));
        headers.Add("tracestate-lookalike", new byte[4_000]);

        var reduced = DeadLetterMessages.Reduced(Source(null, new byte[2_000_000], headers), TooLarge, "g", out bool truncated);

        var originalsKept = reduced.Headers.Where(h => !h.Key.StartsWith("dlq.", StringComparison.Ordinal)).Select(h => h.Key).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(truncated, Is.True);
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, "traceparent"), Is.EqualTo(traceParent), "never cut: it links the dead letter to its producer's trace");
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, "tracestate"), Is.EqualTo("vendor=1"));
            Assert.That(originalsKept, Is.EqualTo(new[] { "bulky-0", "bulky-1", "bulky-2", "traceparent", "tracestate" }),
                "the trace headers' bytes are counted first; the rest in order while they fit; original order kept");
            Assert.That(DeadLetterHeaders.Text(reduced.Headers, DeadLetterHeaders.OmittedHeaders), Is.EqualTo("4"));
        });
    }

    private static ConsumeResult<byte[]?, byte[]?> Source(byte[]? key, byte[]? value, Headers headers) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("fb.reply", 2, 77),
        Message = new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers },
    };
}
