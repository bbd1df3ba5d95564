using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// The consumer's half of <see cref="FeedbackTracing"/> in the test process, with the tracer provider the service builds
/// (in-memory exporter): trace context read from Kafka headers, and the micro-batch span's name, attributes and links.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class FeedbackTracingTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Test]
    public void Headers_ValidTraceparentAndTracestate_AreRead()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        var headers = new Headers { { "other", [1, 2] }, { "traceparent", Utf8(TraceParent) }, { "tracestate", Utf8("vendor=a1") } };

        var context = FeedbackTracing.ContextOf(headers);

        Assert.Multiple(() =>
        {
            Assert.That(context.TraceId.ToHexString(), Is.EqualTo("0af7651916cd43dd8448eb211c80319c"));
            Assert.That(context.SpanId.ToHexString(), Is.EqualTo("b7ad6b7169203331"));
            Assert.That(context.TraceFlags, Is.EqualTo(ActivityTraceFlags.Recorded));
            Assert.That(context.TraceState, Is.EqualTo("vendor=a1"));
            Assert.That(context.IsRemote, Is.True);
            Assert.That(FeedbackTracing.TraceParentOf(context), Is.EqualTo(TraceParent));
        });
    }

    [TestCase("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    [TestCase("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [TestCase("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]
    [TestCase("not a traceparent")]
    [TestCase("")]
    public void Headers_InvalidTraceparent_IsIgnored(string value)
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());

        Assert.Multiple(() =>
        {
            Assert.That(FeedbackTracing.ContextOf(new Headers { { "traceparent", Utf8(value) } }), Is.EqualTo(default(ActivityContext)));
            Assert.That(FeedbackTracing.ContextOf(value), Is.EqualTo(default(ActivityContext)), "nor is it read back from an item");
        });
    }

    [Test]
    public void Headers_TwoTraceparentsOrAnOversizedOne_AreNotTraceContext()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        var twice = new Headers { { "traceparent", Utf8(TraceParent) }, { "traceparent", Utf8(TraceParent.Replace("b7ad", "c7ad", StringComparison.Ordinal)) } };
        var huge = new Headers { { "traceparent", Utf8(TraceParent + new string(' ', 2000)) } };

        Assert.Multiple(() =>
        {
            Assert.That(FeedbackTracing.ContextOf(twice), Is.EqualTo(default(ActivityContext)));
            Assert.That(FeedbackTracing.ContextOf(huge), Is.EqualTo(default(ActivityContext)));
            Assert.That(FeedbackTracing.ContextOf(new Headers { { "traceparent", null } }), Is.EqualTo(default(ActivityContext)));
        });
    }

    [Test]
    public void TracingOff_NoHeaderIsReadNoSpanIsStarted_AndNothingIsRecorded()
    {
        using var tracing = TracingHarness.Start(TracingHarness.Off());
        var messages = Messages(10, i => Context(i));

        var span = ConsumerTracing.StartProcess(messages, "group");

        Assert.Multiple(() =>
        {
            Assert.That(tracing.Provider, Is.Null, "no tracer provider is built");
            Assert.That(FeedbackTracing.IsOn, Is.False);
            Assert.That(span, Is.Null);
            Assert.That(messages[0].TraceContext, Is.EqualTo(default(ActivityContext)), "the header is not even read");
            Assert.That(messages[0].Incoming.TraceParent, Is.Null, "so the item keeps none");
            Assert.That(tracing.Spans.Count, Is.Zero);
        });
    }

    [Test]
    public void MicroBatchSpan_FollowsTheMessagingConventions_AndLinksToEachMessagesContext()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        // 6 messages of one partition: 3 distinct contexts, one repeated, one message without any.
        var messages = Messages(6, i => i switch { 5 => null, 3 => Context(0), _ => Context(i) });

        using (var span = ConsumerTracing.StartProcess(messages, "feedback-redis"))
        {
            ConsumerTracing.Appended(span, new FeedbackRedis.Batching.AppendResult(5, 1, 0));
        }

        var recorded = tracing.Spans.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That(recorded.DisplayName, Is.EqualTo("process fb.reply"));
            Assert.That(recorded.Kind, Is.EqualTo(ActivityKind.Consumer));
            Assert.That(recorded.Source.Name, Is.EqualTo("FeedbackRedis"));
            Assert.That(recorded.GetTagItem("messaging.system"), Is.EqualTo("kafka"));
            Assert.That(recorded.GetTagItem("messaging.operation.type"), Is.EqualTo("process"));
            Assert.That(recorded.GetTagItem("messaging.operation.name"), Is.EqualTo("process"));
            Assert.That(recorded.GetTagItem("messaging.destination.name"), Is.EqualTo("fb.reply"));
            Assert.That(recorded.GetTagItem("messaging.destination.partition.id"), Is.EqualTo("2"));
            Assert.That(recorded.GetTagItem("messaging.consumer.group.name"), Is.EqualTo("feedback-redis"));
            Assert.That(recorded.GetTagItem("messaging.batch.message_count"), Is.EqualTo(6));
            Assert.That(recorded.GetTagItem("feedback.events.added"), Is.EqualTo(5));
            Assert.That(recorded.GetTagItem("feedback.events.duplicates"), Is.EqualTo(1));
            Assert.That(recorded.GetTagItem("feedback.links.omitted"), Is.Null);
            Assert.That(recorded.Links.Select(l => l.Context), Is.EqualTo(new[] { Context(0), Context(1), Context(2), Context(4) }),
                "one link per distinct context, in consumption order");
            Assert.That(recorded.Links.First().Context.TraceState, Is.EqualTo("k=0"), "tracestate comes along");
            Assert.That(recorded.ParentSpanId, Is.EqualTo(default(ActivitySpanId)), "a batch's span is a root: its messages are links");
        });
    }

    [Test]
    public void MicroBatchSpan_MessagesOfBothTopics_IsNamedProcessWithoutADestination()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        var messages = Messages(4, i => Context(i), topicOf: i => i % 2 == 0 ? "fb.reply" : "fb.reaction");

        ConsumerTracing.StartProcess(messages, "g")!.Dispose();

        var recorded = tracing.Spans.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That(recorded.DisplayName, Is.EqualTo("process"));
            Assert.That(recorded.GetTagItem("messaging.destination.name"), Is.Null);
            Assert.That(recorded.GetTagItem("messaging.destination.partition.id"), Is.Null);
        });
    }

    [Test]
    public void MicroBatchSpan_KeepsTheFirst128DistinctContexts_AndCountsTheRest()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        var messages = Messages(500, i => Context(i % 200));

        ConsumerTracing.StartProcess(messages, "g")!.Dispose();

        var recorded = tracing.Spans.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That(recorded.Links.Select(l => l.Context), Is.EqualTo(Enumerable.Range(0, 128).Select(Context)));
            Assert.That(recorded.GetTagItem("feedback.links.omitted"), Is.EqualTo(72));
            Assert.That(recorded.GetTagItem("messaging.batch.message_count"), Is.EqualTo(500));
        });
    }

    [Test]
    public void OtelSpanLinkCountLimit_SetsHowManyLinksASpanKeeps()
    {
        var otel = TracingHarness.On();
        otel["OTEL_SPAN_LINK_COUNT_LIMIT"] = "3";
        using var tracing = TracingHarness.Start(otel);

        ConsumerTracing.StartProcess(Messages(10, i => Context(i)), "g")!.Dispose();

        var recorded = tracing.Spans.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That(recorded.Links.Select(l => l.Context), Is.EqualTo(Enumerable.Range(0, 3).Select(Context)));
            Assert.That(recorded.GetTagItem("feedback.links.omitted"), Is.EqualTo(7));
        });
    }

    [Test]
    public void OtelTracesSamplerAlwaysOff_IsAppliedByTheSdk_NothingIsExported()
    {
        var otel = TracingHarness.On();
        otel["OTEL_TRACES_SAMPLER"] = "always_off";
        using var tracing = TracingHarness.Start(otel);

        var span = ConsumerTracing.StartProcess(Messages(3, i => Context(i)), "g");
        span?.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(tracing.Provider, Is.Not.Null);
            Assert.That(span?.Recorded ?? false, Is.False);
            Assert.That(tracing.Spans.Count, Is.Zero);
        });
    }

    [Test]
    public void FailedAppend_MarksTheSpanAnError_WithItsErrorType()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());

        using (var span = ConsumerTracing.StartProcess(Messages(1, i => Context(i)), "g"))
        {
            FeedbackTracing.Failed(span, "redis-unavailable", "no connection");
        }

        var recorded = tracing.Spans.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That(recorded.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(recorded.StatusDescription, Is.EqualTo("no connection"));
            Assert.That(recorded.GetTagItem("error.type"), Is.EqualTo("redis-unavailable"));
        });
    }

    /// <summary>A distinct producer context per <paramref name="i"/>.</summary>
    internal static ActivityContext Context(int i) => new(
        ActivityTraceId.CreateFromString($"{i + 1:x32}"), ActivitySpanId.CreateFromString($"{i + 1:x16}"), ActivityTraceFlags.Recorded, $"k={i}", isRemote: true);

    private static List<PendingMessage> Messages(int count, Func<int, ActivityContext?> context, Func<int, string>? topicOf = null) =>
    [
        .. Enumerable.Range(0, count).Select(i =>
        {
            var headers = new Headers();
            if (context(i) is { } c)
            {
                headers.Add("traceparent", Utf8(FeedbackTracing.TraceParentOf(c)!));
                headers.Add("tracestate", Utf8(c.TraceState!));
            }

            return new PendingMessage(new ConsumeResult<byte[]?, byte[]?>
            {
                TopicPartitionOffset = new TopicPartitionOffset(topicOf?.Invoke(i) ?? "fb.reply", 2, i),
                Message = new Message<byte[]?, byte[]?> { Value = Utf8("{}"), Headers = headers },
            });
        }),
    ];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
