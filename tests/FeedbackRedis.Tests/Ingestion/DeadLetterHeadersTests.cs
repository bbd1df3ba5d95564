using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class DeadLetterHeadersTests
{
    [Test]
    public void Headers_KeepTheOriginalOnes_AndSayWhyAndWhereFrom()
    {
        var source = new ConsumeResult<byte[]?, byte[]?>
        {
            TopicPartitionOffset = new TopicPartitionOffset("fb.reply", 4, 1234),
            Message = new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes("k"),
                Value = Encoding.UTF8.GetBytes("not json"),
                Timestamp = new Timestamp(1_790_000_000_000, TimestampType.CreateTime),
                Headers = new Headers { { "traceparent", Encoding.UTF8.GetBytes("00-abc-def-01") } },
            },
        };

        var headers = DeadLetterHeaders.For(source, Classification.Reject(DeadLetterReason.NotJson, "the value is not JSON"), "group-1");

        Assert.Multiple(() =>
        {
            Assert.That(DeadLetterHeaders.Text(headers, "traceparent"), Is.EqualTo("00-abc-def-01"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.Reason), Is.EqualTo("not-json"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.Detail), Is.EqualTo("the value is not JSON"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceTopic), Is.EqualTo("fb.reply"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourcePartition), Is.EqualTo("4"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceOffset), Is.EqualTo("1234"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceTimestamp), Is.EqualTo("1790000000000"));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.ConsumerGroup), Is.EqualTo("group-1"));
            Assert.That(headers.Select(h => h.Key).First(), Is.EqualTo("traceparent"));
        });
    }

    [Test]
    public void Headers_IncomingWithReservedDlqNames_AreDroppedAndTheOthersKeepTheirOrder()
    {
        var source = new ConsumeResult<byte[]?, byte[]?>
        {
            TopicPartitionOffset = new TopicPartitionOffset("fb.reply", 0, 9),
            Message = new Message<byte[]?, byte[]?>
            {
                Value = Encoding.UTF8.GetBytes("{}"),
                Headers = new Headers
                {
                    { "traceparent", Encoding.UTF8.GetBytes("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") },
                    { DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes("forged") },
                    { "x-tenant", Encoding.UTF8.GetBytes("t1") },
                    { DeadLetterHeaders.Truncated, Encoding.UTF8.GetBytes("true") },
                    { DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes("0") },
                    { "tracestate", Encoding.UTF8.GetBytes("vendor=1") },
                    { "x-tenant", Encoding.UTF8.GetBytes("t2") },
                    { "dlq.custom", Encoding.UTF8.GetBytes("not ours: kept") },
                },
            },
        };

        var headers = DeadLetterHeaders.For(source, Classification.Reject(DeadLetterReason.WrongShape, "no text"), "group-1");
        var keys = headers.Select(h => h.Key).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(keys.Take(5), Is.EqualTo(new[] { "traceparent", "x-tenant", "tracestate", "x-tenant", "dlq.custom" }), "the other originals, in order, first");
            Assert.That(headers.Skip(1).First().GetValueBytes(), Is.EqualTo(Encoding.UTF8.GetBytes("t1")));
            Assert.That(keys.Count(k => k == DeadLetterHeaders.Reason), Is.EqualTo(1));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.Reason), Is.EqualTo("wrong-shape"));
            Assert.That(keys.Count(k => k == DeadLetterHeaders.SourceOffset), Is.EqualTo(1));
            Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceOffset), Is.EqualTo("9"));
            Assert.That(keys, Does.Not.Contain(DeadLetterHeaders.Truncated), "a whole dead letter never says it is truncated");
        });
    }
}
