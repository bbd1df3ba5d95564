using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Flushing;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// A trace through the batch, on real parts: producers' messages with W3C <c>traceparent</c> headers on a librdkafka mock
/// cluster, the consumer (wired as the service wires it, tracing from <c>OTEL_*</c> settings) appending to a real Redis,
/// a flusher writing the sealed batch and announcing it with the real Kafka publisher. Spans are read with the SDK's
/// in-memory exporter.
/// </summary>
public sealed class TracingPipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly string[] Producers =
    [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-5a1cee0f6a4b49b1a46d2b8a6ef7e0b2-6ad1e2f3a4b5c6d7-00",
    ];

    [Test]
    public async Task ProducedTraceparent_IsLinkedFromTheAppendAndWriteSpans_AndTheAnnouncementContinuesTheWrite()
    {
        await using var pipeline = await Pipeline.StartAsync(TracingHarness.On());
        var (kafka, host, spans, prefix) = (pipeline.Kafka, pipeline.Host, pipeline.Spans, pipeline.Kafka.Prefix);
        await Eventually.WaitAsync(() => Task.FromResult(Processed(spans) >= 6), Patience, () => $"{spans.Count} spans");

        var process = spans.Snapshot().Where(s => s.DisplayName == $"process {kafka.ReplyTopic}").ToList();
        var items = (await RedisItems.ItemsAsync(SharedRedis.Connection, prefix)).Select(i => JsonDocument.Parse(i).RootElement).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(host.Services.GetService<TracerProvider>(), Is.Not.Null);
            Assert.That(host.LogText, Does.Contain("Tracing on: spans of FeedbackRedis and MongoDB.Driver exported over OTLP to http://127.0.0.1:9/ (http/protobuf)"));
            Assert.That(process, Is.Not.Empty);
            Assert.That(process.SelectMany(s => s.Links).Select(l => TraceParentOf(l.Context)), Is.EquivalentTo(Producers),
                "the micro-batch spans link to every producer's context, once each");
            Assert.That(process.SelectMany(s => s.Links).Single(l => TraceParentOf(l.Context) == Producers[0]).Context.TraceState, Is.EqualTo("vendor=p0"));
            Assert.That(process.All(s => (string?)s.GetTagItem("messaging.consumer.group.name") == kafka.GroupId));
            Assert.That(items.Select(i => i.TryGetProperty("traceparent", out var t) ? t.GetString() : null),
                Is.EquivalentTo(new[] { Producers[0], Producers[1], Producers[2], Producers[0], null, null }),
                "each item keeps its producer's traceparent; none for no header or an invalid one");
        });

        var round = await pipeline.FlushAsync();

        var write = spans.Named("write fake").Single();
        var announcement = pipeline.ReadAnnouncement();
        var announced = FeedbackTracing.ContextOf(DeadLetterText(announcement.Message.Headers, "traceparent"));
        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(1));
            Assert.That(write.Links.Select(l => TraceParentOf(l.Context)), Is.EquivalentTo(Producers),
                "the write span links to the contexts stored with its events");
            Assert.That(announced.TraceId, Is.EqualTo(write.TraceId), "the announcement's traceparent is in the write span's trace");
            Assert.That(announced.SpanId, Is.EqualTo(write.SpanId), "and names the write span itself");
            Assert.That(announced.TraceFlags, Is.EqualTo(ActivityTraceFlags.Recorded));
            Assert.That(announcement.Message.Headers.Any(h => h.Key == "tracestate"), Is.False, "the flusher's own span has no tracestate");
        });
    }

    [Test]
    public async Task TracingOff_NothingIsRecorded_NoItemOrAnnouncementKeepsATraceparent()
    {
        await using var pipeline = await Pipeline.StartAsync(TracingHarness.Off());
        var (host, spans) = (pipeline.Host, pipeline.Spans);
        var items = await RedisItems.ItemsAsync(SharedRedis.Connection, pipeline.Kafka.Prefix);
        var round = await pipeline.FlushAsync();
        var announcement = pipeline.ReadAnnouncement();

        Assert.Multiple(() =>
        {
            Assert.That(host.Services.GetService<TracerProvider>(), Is.Null, "no tracer provider without an endpoint");
            Assert.That(FeedbackTracing.IsOn, Is.False, "nothing listens to the FeedbackRedis source");
            Assert.That(host.LogText, Does.Contain("Tracing off: neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set"));
            Assert.That(round.Acked, Is.EqualTo(1));
            Assert.That(spans.Count, Is.Zero, "nothing is recorded");
            Assert.That(items, Has.Count.EqualTo(6));
            Assert.That(items, Has.None.Contains("traceparent"));
            Assert.That(announcement.Message.Headers.Any(h => h.Key is "traceparent" or "tracestate"), Is.False);
        });
    }

    /// <summary>
    /// Six events of one agent on the reply topic: three producers' contexts (the first twice, with a tracestate), one
    /// message with no trace header and one with an invalid traceparent.
    /// </summary>
    private static void ProduceSix(KafkaTestCluster kafka)
    {
        Headers Trace(string traceParent, string? traceState = null)
        {
            var headers = new Headers { { "traceparent", Encoding.UTF8.GetBytes(traceParent) } };
            if (traceState is not null)
            {
                headers.Add("tracestate", Encoding.UTF8.GetBytes(traceState));
            }

            return headers;
        }

        var headers = new[]
        {
            Trace(Producers[0], "vendor=p0"), Trace(Producers[1]), Trace(Producers[2]), Trace(Producers[0], "vendor=p0"), null,
            Trace("00-4bf92f3577b34da6a3ce929d0e0e4736-zzzzzzzzzzzzzzzz-01"),
        };
        for (int i = 0; i < headers.Length; i++)
        {
            kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", $"ev-{i}", i), headers: headers[i]);
        }

        kafka.Flush();
    }

    private static int Processed(SpanCollection spans) =>
        spans.Snapshot().Where(s => s.DisplayName.StartsWith("process", StringComparison.Ordinal))
            .Sum(s => s.GetTagItem("messaging.batch.message_count") is int n ? n : 0);

    private static string? TraceParentOf(ActivityContext context) => FeedbackTracing.TraceParentOf(context);

    private static string? DeadLetterText(Headers headers, string name) => FeedbackRedis.Ingestion.DeadLetterHeaders.Text(headers, name);

    /// <summary>
    /// The six events produced (<see cref="ProduceSix"/>), the consumer host with tracing from <c>otel</c> (batch size 6,
    /// so the sixth event seals the batch), and a flusher announcing with the real Kafka publisher.
    /// </summary>
    private sealed class Pipeline : IAsyncDisposable
    {
        private readonly string _flushed;
        private readonly KafkaFlushedBatchPublisher _publisher;

        private Pipeline(KafkaTestCluster kafka, ConsumerHost host, SpanCollection spans)
        {
            Kafka = kafka;
            Host = host;
            Spans = spans;
            _flushed = $"{kafka.Prefix}.feedback.batch.flushed";
            _publisher = new KafkaFlushedBatchPublisher(
                Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers, FlushedTopic = _flushed }),
                Options.Create(new FlusherOptions()),
                NullLogger<KafkaFlushedBatchPublisher>.Instance);
        }

        public KafkaTestCluster Kafka { get; }

        public ConsumerHost Host { get; }

        public SpanCollection Spans { get; }

        /// <summary>Started, and every event in Redis.</summary>
        public static async Task<Pipeline> StartAsync(Dictionary<string, string?> otel)
        {
            string prefix = TestKeys.Prefix();
            var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 1, brokers: 1);
            kafka.Cluster.CreateTopic($"{prefix}.feedback.batch.flushed", 1);
            ProduceSix(kafka);
            var spans = new SpanCollection();
            otel["Feedback:Batching:BatchSize"] = "6";
            var host = ConsumerHost.Create(kafka, prefix, otel, b => TracingHarness.Register(b.Services, b.Configuration, spans));
            var pipeline = new Pipeline(kafka, host, spans);
            try
            {
                await host.StartAsync();
                await Eventually.WaitAsync(async () => await RedisItems.PendingAsync(SharedRedis.Connection, prefix) >= 6, Patience, () => host.LogText);
                return pipeline;
            }
            catch
            {
                await pipeline.DisposeAsync();
                throw;
            }
        }

        /// <summary>One flusher round over the consumer's keys (fake sink, real announcements).</summary>
        public Task<FlushRound> FlushAsync() => new BatchFlusher(
            TestStores.Create(o => { o.BatchSize = 6; o.Clock = ClockSource.Redis; }, TimeProvider.System, prefix: Kafka.Prefix),
            new FakeSink(),
            _publisher,
            Options.Create(new FlusherOptions { MaxWriteEvents = 1_000 }),
            new FlusherIdentity("tracing-test"),
            TimeProvider.System,
            NullLogger<BatchFlusher>.Instance,
            TestMetrics.Flusher()).RunOnceAsync(CancellationToken.None);

        /// <summary>The first announcement on the flushed topic.</summary>
        public ConsumeResult<string, string> ReadAnnouncement()
        {
            using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = Kafka.BootstrapServers,
                GroupId = $"{Kafka.Prefix}-check",
                AutoOffsetReset = AutoOffsetReset.Earliest,
            }).Build();
            consumer.Assign(new TopicPartitionOffset(_flushed, 0, 0));
            var received = consumer.Consume(TimeSpan.FromSeconds(20));
            Assert.That(received, Is.Not.Null, "the announcement was delivered within 20 s");
            return received;
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            _publisher.Dispose();
            Kafka.Dispose();
        }
    }
}
