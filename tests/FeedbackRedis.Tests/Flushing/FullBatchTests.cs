using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Flushing;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace FeedbackRedis.Tests.Flushing;

/// <summary>
/// The largest batch the settings allow (FEEDBACK_BATCH_SIZE 100,000), end to end through the real parts: appended
/// and sealed in Redis, claimed whole, written by the file sink, announced on the mock Kafka cluster, acked.
/// </summary>
[Category("Process")]
public sealed class FullBatchTests
{
    [Test]
    public async Task FullBatch_Of100000Events_IsWrittenAnnouncedAndAckedInOneRound()
    {
        const int size = 100_000;
        string dir = Directory.CreateTempSubdirectory("feedback-full-batch-").FullName;
        using var kafka = MockKafkaCluster.Start(brokers: 1);
        kafka.CreateTopic("feedback.batch.flushed", 1);
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => o.BatchSize = size, time);
        var flusherOptions = new FlusherOptions { FilePath = Path.Combine(dir, "feedback.jsonl"), MaxWriteEvents = 1_000 };
        using var sink = new FileFeedbackSink(new FileSinkOptions(flusherOptions.FilePath), time, NullLogger<FileFeedbackSink>.Instance);
        using var publisher = new KafkaFlushedBatchPublisher(
            MsOptions.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers }), MsOptions.Create(flusherOptions), NullLogger<KafkaFlushedBatchPublisher>.Instance);
        var flusher = new BatchFlusher(store, sink, publisher, MsOptions.Create(flusherOptions), new FlusherIdentity("flusher-full"), time, NullLogger<BatchFlusher>.Instance, TestMetrics.Flusher());
        try
        {
            for (int first = 0; first < size; first += 10_000)
            {
                await store.AppendAsync(TestFeedback.Events("agent-big", 10_000, first));
            }

            var round = await flusher.RunOnceAsync(CancellationToken.None);

            var summary = await FileSinkReader.ReadAsync(flusherOptions.FilePath);
            var announced = ReadAnnouncement(kafka.BootstrapServers);
            var counts = await store.GetCountsAsync();
            Assert.Multiple(() =>
            {
                Assert.That(round.Acked, Is.EqualTo(1), "claimed whole (the first batch of a group always is), written and acked");
                Assert.That(summary.DistinctEvents, Is.EqualTo(size));
                Assert.That(summary.TornLines, Is.Zero);
                Assert.That(announced.EventCount, Is.EqualTo(size));
                Assert.That(announced.EventIdsOmitted, Is.True, "the id list does not fit a Kafka message; its digest stands in");
                Assert.That(counts.PendingEvents, Is.Zero);
                Assert.That(counts.GuardedIds, Is.Zero, "the ack released all 100,000 ids from the duplicate guard");
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static FlushedBatchMessage ReadAnnouncement(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "full-" + Guid.NewGuid().ToString("N") }).Build();
        consumer.Assign(new TopicPartitionOffset("feedback.batch.flushed", 0, Offset.Beginning));
        var record = consumer.Consume(TimeSpan.FromSeconds(20)) ?? throw new AssertionException("no announcement within 20 s");
        return FlushedBatchMessage.FromJson(record.Message.Value)!;
    }
}
