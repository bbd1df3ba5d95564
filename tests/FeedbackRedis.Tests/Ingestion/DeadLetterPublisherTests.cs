using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>The dead-letter publisher against a fake producer: no broker, every refusal chosen by the test.</summary>
[Category(TestCategories.Unit)]
public sealed class DeadLetterPublisherTests
{
    private const string Topic = "test.dlq";

    [Test]
    public async Task Publish_Delivered_IsSentOnceWhole()
    {
        using var t = new Rig((_, _) => null);
        var letter = Letter(7, Bytes(100_000));

        var failure = await t.Publisher.PublishAsync([letter], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Null);
            Assert.That(letter.DeadLetterOutcome, Is.EqualTo(DeadLetterOutcome.Delivered));
            Assert.That(t.Producer.Sent, Has.Count.EqualTo(1));
            Assert.That(t.Producer.Sent[0].Topic, Is.EqualTo(Topic));
            Assert.That(t.Producer.Sent[0].Message.Value, Is.EqualTo(letter.Result.Message.Value));
            Assert.That(DeadLetterHeaders.Text(t.Producer.Sent[0].Message.Headers, DeadLetterHeaders.Truncated), Is.Null);
        });
    }

    [Test]
    public async Task Publish_RefusedWholeAsTooLarge_IsSentTruncatedWithItsOriginalSizeAndReason()
    {
        using var t = new Rig((m, _) => m.Value!.Length > DeadLetterMessages.TruncatedValueBytes ? ErrorCode.MsgSizeTooLarge : null);
        var value = Bytes(1_100_000);
        var letter = Letter(7, value);

        var failure = await t.Publisher.PublishAsync([letter], CancellationToken.None);

        Assert.That(failure, Is.Null);
        Assert.That(t.Producer.Sent, Has.Count.EqualTo(2));
        var sent = t.Producer.Sent[1].Message;
        Assert.Multiple(() =>
        {
            Assert.That(letter.DeadLetterOutcome, Is.EqualTo(DeadLetterOutcome.Truncated));
            Assert.That(sent.Value, Is.EqualTo(value.AsSpan(0, DeadLetterMessages.TruncatedValueBytes).ToArray()), "the first 64 KiB, byte for byte");
            Assert.That(sent.Key, Is.EqualTo(letter.Result.Message.Key));
            Assert.That(DeadLetterHeaders.Text(sent.Headers, DeadLetterHeaders.Truncated), Is.EqualTo("true"));
            Assert.That(DeadLetterHeaders.Text(sent.Headers, DeadLetterHeaders.OriginalSize), Is.EqualTo("1100000"));
            Assert.That(DeadLetterHeaders.Text(sent.Headers, DeadLetterHeaders.Reason), Is.EqualTo("too-large"));
            Assert.That(DeadLetterHeaders.Text(sent.Headers, DeadLetterHeaders.SourceOffset), Is.EqualTo("7"));
            Assert.That(DeadLetterHeaders.Text(sent.Headers, "traceparent"), Is.EqualTo("00-trace-span-01"));
            Assert.That(t.TruncatedCount, Is.EqualTo(1));
            Assert.That(t.DroppedCount, Is.Zero);
            Assert.That(t.Logs.Select(l => l.Id.Id), Does.Contain(3029));
        });
    }

    [Test]
    public async Task Publish_RefusedWholeAndTruncated_IsDroppedLoggedAndCountedSoTheConsumerMovesOn()
    {
        using var t = new Rig((_, _) => ErrorCode.InvalidRecord);
        var letter = Letter(42, Bytes(500));

        var failure = await t.Publisher.PublishAsync([letter], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Null, "a permanent refusal must not hold the consumer");
            Assert.That(letter.DeadLetterOutcome, Is.EqualTo(DeadLetterOutcome.Dropped));
            Assert.That(letter.DeadLettered, Is.True, "handled: its offset may move on");
            Assert.That(t.Producer.Sent, Has.Count.EqualTo(2), "whole, then once more cut down");
            var dropped = t.Dropped.GetMeasurementSnapshot();
            Assert.That(dropped.Sum(m => m.Value), Is.EqualTo(1));
            Assert.That(dropped.Single().Tags["reason"], Is.EqualTo("too-large"));
            Assert.That(dropped.Single().Tags["error"], Is.EqualTo("invalid-record"), "ErrorCode.InvalidRecord, in kebab-case");
            var log = t.Logs.Single(l => l.Id.Id == 3030);
            Assert.That(log.Level, Is.EqualTo(LogLevel.Error));
            Assert.That(log.Id.Name, Is.EqualTo("LogDeadLetterDropped"));
            Assert.That(log.Message, Does.Contain("fb.reply[1]@42").And.Contain("DROPPED"));
        });
    }

    [Test]
    public async Task Publish_TransientFailure_LeavesItUnhandledAndNotTruncated()
    {
        using var t = new Rig((_, _) => ErrorCode.Local_MsgTimedOut);
        var letter = Letter(1, Bytes(200_000));

        var failure = await t.Publisher.PublishAsync([letter], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.InstanceOf<KafkaException>());
            Assert.That(((KafkaException)failure!).Error.Code, Is.EqualTo(ErrorCode.Local_MsgTimedOut));
            Assert.That(letter.DeadLettered, Is.False, "the consumer pauses and retries it");
            Assert.That(t.Producer.Sent, Has.Count.EqualTo(1));
            Assert.That(t.DroppedCount, Is.Zero);
        });
    }

    [Test]
    public async Task Publish_BatchRefusedForOneLargeMessage_SendsTheSmallNeighboursWholeAlone()
    {
        // A broker refuses the whole record batch: every message sent in the first round fails with the same error.
        using var t = new Rig((m, before) => before < 2 || m.Value!.Length > DeadLetterMessages.TruncatedValueBytes ? ErrorCode.MsgSizeTooLarge : null);
        var small = Letter(1, Bytes(300));
        var large = Letter(2, Bytes(2_000_000));

        var failure = await t.Publisher.PublishAsync([small, large], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Null);
            Assert.That(small.DeadLetterOutcome, Is.EqualTo(DeadLetterOutcome.Delivered));
            Assert.That(large.DeadLetterOutcome, Is.EqualTo(DeadLetterOutcome.Truncated));
            var resentSmall = t.Producer.Sent.Single(s => s.Error is null && Offset(s.Message) == "1").Message;
            Assert.That(resentSmall.Value, Is.EqualTo(small.Result.Message.Value));
            Assert.That(DeadLetterHeaders.Text(resentSmall.Headers, DeadLetterHeaders.Truncated), Is.Null, "nothing was cut");
        });
    }

    [Test]
    public async Task Publish_TransientFailureOfTheTruncatedCopy_LeavesItUnhandled()
    {
        using var t = new Rig((_, before) => before == 0 ? ErrorCode.MsgSizeTooLarge : ErrorCode.Local_Transport);
        var letter = Letter(3, Bytes(100_000));

        var failure = await t.Publisher.PublishAsync([letter], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.InstanceOf<KafkaException>());
            Assert.That(letter.DeadLettered, Is.False);
            Assert.That(t.DroppedCount, Is.Zero);
        });
    }

    [Test]
    public async Task Publish_WhileTheTopicIsUnreachable_RefusedLettersWaitForTheNextTurn()
    {
        using var t = new Rig((m, _) => Offset(m) == "1" ? ErrorCode.Local_Transport : ErrorCode.MsgSizeTooLarge);
        var unreachable = Letter(1, Bytes(10));
        var refused = Letter(2, Bytes(100_000));

        var failure = await t.Publisher.PublishAsync([unreachable, refused], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Not.Null);
            Assert.That(unreachable.DeadLettered, Is.False);
            Assert.That(refused.DeadLettered, Is.False);
            Assert.That(t.Producer.Sent, Has.Count.EqualTo(2), "no truncated copy while the topic is unreachable");
        });
    }

    [Test]
    public async Task Publish_LettersAlreadyHandled_AreNotSentAgain()
    {
        using var t = new Rig((_, _) => null);
        var done = Letter(1, Bytes(10));
        done.DeadLetterOutcome = DeadLetterOutcome.Truncated;
        var next = Letter(2, Bytes(10));

        await t.Publisher.PublishAsync([done, next], CancellationToken.None);

        Assert.That(t.Producer.Sent.Select(s => Offset(s.Message)), Is.EqualTo(new[] { "2" }));
    }

    [TestCase(ErrorCode.MsgSizeTooLarge, true)]
    [TestCase(ErrorCode.InvalidMsgSize, true)]
    [TestCase(ErrorCode.RecordListTooLarge, true)]
    [TestCase(ErrorCode.InvalidRecord, true)]
    [TestCase(ErrorCode.InvalidMsg, true)]
    [TestCase(ErrorCode.Local_BadMsg, true)]
    [TestCase(ErrorCode.TopicAuthorizationFailed, false)]
    [TestCase(ErrorCode.ClusterAuthorizationFailed, false)]
    [TestCase(ErrorCode.UnknownTopicOrPart, false)]
    [TestCase(ErrorCode.Local_MsgTimedOut, false)]
    [TestCase(ErrorCode.Local_Transport, false)]
    [TestCase(ErrorCode.NotEnoughReplicas, false)]
    public void IsPermanent_OnlyForErrorsAboutTheMessageItself(ErrorCode code, bool permanent) =>
        Assert.That(DeadLetterPublisher.IsPermanent(code), Is.EqualTo(permanent));

    private static string? Offset(Message<byte[]?, byte[]?> message) => DeadLetterHeaders.Text(message.Headers, DeadLetterHeaders.SourceOffset);

    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)('a' + (i % 26)))];

    private static PendingMessage Letter(long offset, byte[] value) => new(new ConsumeResult<byte[]?, byte[]?>
    {
        TopicPartitionOffset = new TopicPartitionOffset("fb.reply", 1, offset),
        Message = new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes($"key-{offset}"),
            Value = value,
            Timestamp = new Timestamp(1_790_000_000_000, TimestampType.CreateTime),
            Headers = new Headers { { "traceparent", Encoding.UTF8.GetBytes("00-trace-span-01") } },
        },
    })
    {
        Classification = Classification.Reject(DeadLetterReason.TooLarge, "the message is too large"),
    };

    /// <summary>A publisher over a fake producer, with its metrics and logs captured.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly FakeLogger _logger = new();
        private readonly MetricCollector<long> _truncated;

        public Rig(Func<Message<byte[]?, byte[]?>, int, ErrorCode?> refuse)
        {
            _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var factory = _services.GetRequiredService<IMeterFactory>();
            _truncated = new MetricCollector<long>(factory, FeedbackTelemetry.MeterName, "feedback.consumer.dead_letters_truncated");
            Dropped = new MetricCollector<long>(factory, FeedbackTelemetry.MeterName, "feedback.consumer.dead_letters_dropped");
            Producer = new FakeProducer(refuse);
            Publisher = new DeadLetterPublisher(Producer, Topic, "group-1", new IngestionMetrics(factory), _logger);
        }

        public FakeProducer Producer { get; }

        public DeadLetterPublisher Publisher { get; }

        public MetricCollector<long> Dropped { get; }

        public IReadOnlyList<FakeLogRecord> Logs => _logger.Collector.GetSnapshot();

        public long TruncatedCount => _truncated.GetMeasurementSnapshot().Sum(m => m.Value);

        public long DroppedCount => Dropped.GetMeasurementSnapshot().Sum(m => m.Value);

        public void Dispose()
        {
            _truncated.Dispose();
            Dropped.Dispose();
            _services.Dispose();
        }
    }
}
