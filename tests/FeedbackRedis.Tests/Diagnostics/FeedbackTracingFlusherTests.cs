using System.Diagnostics;
using System.Text.Json.Nodes;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Flushing;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// The flusher's span per sink write, on a real Redis with a fake sink and the tracer provider the service builds
/// (in-memory exporter): links to the stored trace context of the events written, children of the write, outcome.
/// </summary>
public sealed class FeedbackTracingFlusherTests
{
    [Test]
    public async Task WriteSpan_LinksToTheEventsItWrites_AndParentsTheMongoDbDriverSpans()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        using var driver = new ActivitySource(MongoTelemetry.ActivitySourceName);
        var f = new FlusherFixture(o => o.BatchSize = 4);
        f.Sink.Behaviour = (batches, _) =>
        {
            // what the driver does inside the sink's bulk write: a span on its own source, under Activity.Current
            using (driver.StartActivity("update feedback_events"))
            {
            }

            return Task.FromResult(FakeSink.AllWritten(batches));
        };
        await f.Store.AppendAsync([Event(0, 0), Event(1, 1), Event(2, null), Event(3, 0), Event(4, 2), Event(5, 3), Event(6, 4), Event(7, null)]);

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        var write = tracing.Spans.Named("write fake").Single();
        var child = tracing.Spans.Named("update feedback_events").Single();
        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(2), "two batches of 4, one write");
            Assert.That(write.Kind, Is.EqualTo(ActivityKind.Consumer));
            Assert.That(write.GetTagItem("messaging.system"), Is.EqualTo("kafka"));
            Assert.That(write.GetTagItem("messaging.operation.type"), Is.EqualTo("process"));
            Assert.That(write.GetTagItem("messaging.operation.name"), Is.EqualTo("write"));
            Assert.That(write.GetTagItem("messaging.batch.message_count"), Is.EqualTo(8));
            Assert.That(write.GetTagItem("feedback.batches"), Is.EqualTo(2));
            Assert.That(write.GetTagItem("feedback.batches.written"), Is.EqualTo(2));
            Assert.That(write.GetTagItem("feedback.sink"), Is.EqualTo("fake"));
            Assert.That(write.Status, Is.EqualTo(ActivityStatusCode.Unset));
            Assert.That(write.Links.Select(l => (l.Context.TraceId, l.Context.SpanId)), Is.EquivalentTo(Enumerable.Range(0, 5).Select(Ids)),
                "one link per distinct stored context; events without one are not linked");
            Assert.That(child.ParentSpanId, Is.EqualTo(write.SpanId), "the driver's span is a child of the write");
            Assert.That(child.TraceId, Is.EqualTo(write.TraceId));
        });
    }

    [Test]
    public async Task WriteSpan_MoreDistinctContextsThanTheLimit_KeepsTheFirstInClaimAndArrivalOrder()
    {
        var otel = TracingHarness.On();
        otel["OTEL_SPAN_LINK_COUNT_LIMIT"] = "5";
        using var tracing = TracingHarness.Start(otel);
        var f = new FlusherFixture(o => o.BatchSize = 10);
        await f.Store.AppendAsync([.. Enumerable.Range(0, 10).Select(i => Event(i, i))]);

        await f.Flusher.RunOnceAsync(CancellationToken.None);

        var write = tracing.Spans.Named("write fake").Single();
        Assert.Multiple(() =>
        {
            Assert.That(write.Links.Select(l => (l.Context.TraceId, l.Context.SpanId)), Is.EqualTo(Enumerable.Range(0, 5).Select(Ids)));
            Assert.That(write.GetTagItem("feedback.links.omitted"), Is.EqualTo(5));
        });
    }

    [Test]
    public async Task WriteSpan_OfAWriteTheSinkCouldNotDo_EndsInErrorWithTheOutcomeAsErrorType()
    {
        using var tracing = TracingHarness.Start(TracingHarness.On());
        var f = new FlusherFixture(o => o.BatchSize = 2);
        f.Sink.Behaviour = (batches, _) => Task.FromResult<IReadOnlyList<BatchWriteResult>>(
            [.. batches.Select(b => new BatchWriteResult(b.BatchId, SinkOutcome.Unavailable, "no primary"))]);
        await f.Store.AppendAsync([Event(0, 0), Event(1, 1)]);

        await f.Flusher.RunOnceAsync(CancellationToken.None);

        var write = tracing.Spans.Named("write fake").Single();
        Assert.Multiple(() =>
        {
            Assert.That(write.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(write.StatusDescription, Is.EqualTo("no primary"));
            Assert.That(write.GetTagItem("error.type"), Is.EqualTo("unavailable"));
            Assert.That(write.GetTagItem("feedback.batches.written"), Is.EqualTo(0));
        });
    }

    [Test]
    public async Task Flusher_TracingOff_RecordsNothing()
    {
        using var tracing = TracingHarness.Start(TracingHarness.Off());
        using var driver = new ActivitySource(MongoTelemetry.ActivitySourceName);
        var f = new FlusherFixture(o => o.BatchSize = 2);
        Activity? driverSpan = null;
        f.Sink.Behaviour = (batches, _) =>
        {
            driverSpan = driver.StartActivity("update feedback_events");
            driverSpan?.Dispose();
            return Task.FromResult(FakeSink.AllWritten(batches));
        };
        await f.Store.AppendAsync([Event(0, 0), Event(1, 1)]);

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(1));
            Assert.That(tracing.Spans.Count, Is.Zero);
            Assert.That(driverSpan, Is.Null, "nothing listens to the driver's source either");
            Assert.That(f.Sink.Written.Single().Events.Select(e => e.TraceParent), Is.EqualTo(new[] { Parent(0), Parent(1) }),
                "a stored traceparent is still read (it came from a consumer with tracing on)");
        });
    }

    private static (ActivityTraceId, ActivitySpanId) Ids(int i)
    {
        var c = FeedbackTracingTests.Context(i);
        return (c.TraceId, c.SpanId);
    }

    private static string Parent(int i) => FeedbackTracing.TraceParentOf(FeedbackTracingTests.Context(i))!;

    /// <summary>An event of agent-1 as the consumer stores it, with the <c>traceparent</c> of context <paramref name="context"/> (none for null).</summary>
    private static AppendEvent Event(int i, int? context)
    {
        var item = JsonNode.Parse(TestFeedback.Item("agent-1", $"e-{i}"))!.AsObject();
        if (context is { } c)
        {
            item["traceparent"] = Parent(c);
        }

        return AppendEvent.FromJson($"e-{i}", "agent-1", item.ToJsonString());
    }
}
