using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

public sealed class DeadLetterHeadersTests
{
    [Test]
    public void A_dead_letter_keeps_the_original_headers_and_says_why_and_where_from()
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
}
