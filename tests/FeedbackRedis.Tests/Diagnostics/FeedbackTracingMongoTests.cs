using FeedbackRedis.Flushing;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// The MongoDB driver's own spans inside the flusher's write span, against a real server (<see cref="MongoTestServer"/>);
/// skipped with the reason where none exists. (Without one, <c>FeedbackTracingFlusherTests</c> shows the tracer provider
/// listening to the driver's source and the write span being the parent of what starts on it during the write.)
/// </summary>
[Category("MongoDB")]
public sealed class FeedbackTracingMongoTests
{
    [Test]
    public async Task BulkWrite_DriverSpans_AreChildrenOfTheWriteSpan()
    {
        string uri = await MongoTestServer.UriOrIgnoreAsync();
        using var tracing = TracingHarness.Start(TracingHarness.On());
        using var client = new MongoClient(uri);
        string database = "feedback_test_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var time = new FakeTimeProvider(TestStores.Start);
            var sink = new MongoFeedbackSink(client, Options.Create(new MongoSinkOptions { Database = database }), time, NullLogger<MongoFeedbackSink>.Instance);
            await sink.PrepareAsync(CancellationToken.None);
            var store = TestStores.Create(o => o.BatchSize = 2, time);
            await store.AppendAsync(TestFeedback.Events("agent-1", 2));
            var flusher = new BatchFlusher(store, sink, new RecordingPublisher(), Options.Create(new FlusherOptions()), new FlusherIdentity("tracing-mongo"),
                time, NullLogger<BatchFlusher>.Instance, TestMetrics.Flusher());

            var round = await flusher.RunOnceAsync(CancellationToken.None);

            var write = tracing.Spans.Named("write mongodb").Single();
            var driver = tracing.Spans.Snapshot().Where(s => s.Source.Name == MongoTelemetry.ActivitySourceName && s.TraceId == write.TraceId).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(round.Acked, Is.EqualTo(1));
                Assert.That(driver, Is.Not.Empty, "the driver traced the sink's operations");
                Assert.That(driver.Where(s => s.ParentSpanId == write.SpanId), Is.Not.Empty, "its top spans are children of the write");
            });
        }
        finally
        {
            await client.DropDatabaseAsync(database);
        }
    }
}
