using System.Text;
using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>The consumer in the test process against the mock cluster and a real Redis.</summary>
public sealed class FeedbackConsumerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Consumer_BothTopics_AppendsIntoOpenBatchesAndCommitsToTheEnd()
    {
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 3);
        for (int i = 0; i < 60; i++)
        {
            string kind = i % 2 == 0 ? FeedbackMessages.Reply : FeedbackMessages.Reaction;
            // every third event has no producer id: its id is its Kafka coordinates under the cluster's id
            string? eventId = i % 3 == 0 ? null : $"ev-{i}";
            kafka.Produce(kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{i % 4}", eventId, i));
        }

        kafka.Flush();
        await using var host = ConsumerHost.Create(kafka, prefix);
        await host.StartAsync();

        await Eventually.WaitAsync(
            async () => await RedisItems.PendingAsync(SharedRedis.Connection, prefix) >= 60, Patience, () => host.LogText);
        await kafka.WaitForCommittedAtEndAsync(Patience);

        var items = (await RedisItems.ItemsAsync(SharedRedis.Connection, prefix)).Select(i => JsonDocument.Parse(i).RootElement).ToList();
        Assert.That(items, Has.Count.EqualTo(60));
        var byId = items.ToDictionary(i => i.GetProperty("eventId").GetString()!);
        string clusterId = await kafka.ClusterIdAsync();
        Assert.Multiple(() =>
        {
            Assert.That(clusterId, Does.Match("^mockCluster[0-9a-f]+$"), "the mock cluster reports a cluster id");
            Assert.That(byId.Keys.Count(k => k.StartsWith("ev-", StringComparison.Ordinal)), Is.EqualTo(40));
            foreach (var item in items.Where(i => !i.GetProperty("eventId").GetString()!.StartsWith("ev-", StringComparison.Ordinal)))
            {
                string coordinates = $"{clusterId}/{item.GetProperty("topic").GetString()}/{item.GetProperty("partition").GetInt32()}/{item.GetProperty("offset").GetInt64()}";
                Assert.That(item.GetProperty("eventId").GetString(), Is.EqualTo(coordinates), "an event without eventId is keyed by the cluster id and its Kafka coordinates");
            }

            var reply = byId["ev-2"];
            Assert.That(reply.GetProperty("type").GetString(), Is.EqualTo("reply"));
            Assert.That(reply.GetProperty("topic").GetString(), Is.EqualTo(kafka.ReplyTopic));
            Assert.That(reply.GetProperty("text").GetString(), Is.EqualTo("reply 2"));
            Assert.That(reply.GetProperty("agentId").GetString(), Is.EqualTo("agent-2"));
            var reaction = byId["ev-1"];
            Assert.That(reaction.GetProperty("type").GetString(), Is.EqualTo("reaction"));
            Assert.That(reaction.GetProperty("reaction").GetString(), Is.EqualTo("thumbs_down"));
            Assert.That(reaction.TryGetProperty("receivedAt", out _), Is.True);
        });
    }

    [Test]
    public async Task FallbackIds_SourceIdSet_TakeItInsteadOfTheClusterId()
    {
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 1, brokers: 1);
        kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", null, 0));
        kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", "ev-1", 1));
        kafka.Flush();
        await using var host = ConsumerHost.Create(kafka, prefix, new Dictionary<string, string?> { ["Feedback:Kafka:SourceId"] = "eu-prod.2" });
        await host.StartAsync();

        await Eventually.WaitAsync(
            async () => await RedisItems.PendingAsync(SharedRedis.Connection, prefix) >= 2, Patience, () => host.LogText);

        var ids = (await RedisItems.ItemsAsync(SharedRedis.Connection, prefix))
            .Select(i => JsonDocument.Parse(i).RootElement.GetProperty("eventId").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.That(ids, Is.EqualTo(new[] { $"eu-prod.2/{kafka.ReplyTopic}/0/0", "ev-1" }));
        Assert.That(host.LogText, Does.Contain("Source id of fallback event ids: eu-prod.2 (FEEDBACK_SOURCE_ID)"));
    }

    [Test]
    public async Task MalformedMessages_Consumed_AreDeadLetteredRawWithReasonAndCounted()
    {
        const int maxItemBytes = 2048;
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 2);
        var bad = FeedbackMessages.AllKinds(maxItemBytes);
        for (int i = 0; i < 40; i++)
        {
            kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", $"ok-{i}", i));
            if (i < bad.Count)
            {
                kafka.Produce(kafka.TopicFor(bad[i].Kind), bad[i].Value, key: $"bad-{i}");
            }
        }

        kafka.Flush();
        await using var host = ConsumerHost.Create(kafka, prefix, new Dictionary<string, string?> { ["Feedback:Batching:MaxItemBytes"] = $"{maxItemBytes}" });
        using var deadLetters = new MetricCollector<long>(host.MeterFactory, FeedbackRedis.Diagnostics.FeedbackTelemetry.MeterName, "feedback.consumer.dead_letters");
        await host.StartAsync();

        var letters = kafka.ReadDeadLetters(bad.Count, Patience);
        await kafka.WaitForCommittedAtEndAsync(Patience);

        Assert.That(letters, Has.Count.EqualTo(bad.Count), host.LogText);
        var byKey = letters.ToDictionary(l => Encoding.UTF8.GetString(l.Message.Key!));
        Assert.Multiple(() =>
        {
            for (int i = 0; i < bad.Count; i++)
            {
                var letter = byKey[$"bad-{i}"];
                var headers = letter.Message.Headers;
                Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.Reason), Is.EqualTo(bad[i].Reason), bad[i].Name);
                Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.Detail), Is.Not.Empty, bad[i].Name);
                Assert.That(DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceTopic), Is.EqualTo(kafka.TopicFor(bad[i].Kind)), bad[i].Name);
                Assert.That(letter.Message.Value, Is.EqualTo(bad[i].Value), $"{bad[i].Name}: the raw value, untouched");
            }
        });

        var items = await RedisItems.EventIdCountsAsync(SharedRedis.Connection, prefix);
        Assert.That(items.Keys, Is.EquivalentTo(Enumerable.Range(0, 40).Select(i => $"ok-{i}")), "every valid event in Redis, no bad one");
        var counted = deadLetters.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["reason"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        var expected = bad.GroupBy(b => b.Reason).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.That(counted, Is.EquivalentTo(expected));
    }

    [Test]
    public async Task Message_OverTheItemLimitAt1Point1Megabytes_ReachesTheDeadLetterTopicWhole()
    {
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 1);
        string text = new('x', 1_100_000);
        byte[] value = Encoding.UTF8.GetBytes($$"""{"agentId":"a1","eventId":"big-1","text":"{{text}}"}""");
        kafka.Produce(kafka.ReplyTopic, value, key: "big");
        kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", "after-big"));
        kafka.Flush();
        await using var host = ConsumerHost.Create(kafka, prefix);
        await host.StartAsync();

        var letters = kafka.ReadDeadLetters(1, Patience);
        await kafka.WaitForCommittedAtEndAsync(Patience);

        Assert.That(letters, Has.Count.EqualTo(1), host.LogText);
        var letter = letters[0].Message;
        Assert.Multiple(() =>
        {
            Assert.That(letter.Value, Is.EqualTo(value), "the whole value, byte for byte");
            Assert.That(Encoding.UTF8.GetString(letter.Key!), Is.EqualTo("big"));
            Assert.That(DeadLetterHeaders.Text(letter.Headers, DeadLetterHeaders.Reason), Is.EqualTo("too-large"));
            Assert.That(DeadLetterHeaders.Text(letter.Headers, DeadLetterHeaders.Truncated), Is.Null, "not truncated");
        });
        var items = await RedisItems.EventIdCountsAsync(SharedRedis.Connection, prefix);
        Assert.That(items.Keys, Is.EquivalentTo(new[] { "after-big" }), "the event after it was appended");
    }

    [Test]
    public async Task Consumer_HighThenLowWaterMark_PausesAndResumesLosingNothing()
    {
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 1);
        for (int i = 0; i < 300; i++)
        {
            kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", $"e-{i}", i));
        }

        kafka.Flush();
        await using var host = ConsumerHost.Create(kafka, prefix, new Dictionary<string, string?>
        {
            ["Feedback:Consumer:MaxBatch"] = "10",
            ["Feedback:Consumer:PendingHighWater"] = "50",
            ["Feedback:Consumer:PendingLowWater"] = "20",
            ["Feedback:Consumer:PendingCheckInterval"] = "00:00:00.010",
        });
        await host.StartAsync();

        await Eventually.WaitAsync(() => host.Consumer.PauseReasons == PauseReasons.HighWater, Patience, () => host.LogText);
        // the gate counts appends in flight from the moment they are sent: they land after it closed
        await Eventually.WaitAsync(() => host.Consumer.AppendsInFlight == 0, Patience, () => host.LogText);
        long atPause = await RedisItems.PendingAsync(SharedRedis.Connection, prefix);
        await Task.Delay(TimeSpan.FromSeconds(1)); // while paused, nothing more may arrive
        long stillPaused = await RedisItems.PendingAsync(SharedRedis.Connection, prefix);
        Assert.That(atPause, Is.InRange(50, 50 + 10 - 1), "paused within one micro-batch (10) of the high-water mark");
        Assert.That(stillPaused, Is.EqualTo(atPause), "no appends while paused");
        Assert.That(host.LogText, Does.Match(@"Paused \d partitions: high-water \(pending events 5\d\)"));

        // a flusher drains Redis: pending falls below the low-water mark and the consumer resumes
        var store = TestStores.Create(o => { o.Clock = ClockSource.Redis; o.BatchSize = 10_000; }, TimeProvider.System, prefix: prefix);
        var flushed = new List<string>();
        await Eventually.WaitAsync(
            async () =>
            {
                await store.SealAsync("agent-1");
                foreach (var batch in await store.ClaimAsync("test-flusher", 100, 100_000))
                {
                    flushed.AddRange(batch.Items.Select(TestStores.EventIdOf));
                    await store.AckAsync(batch);
                }

                return flushed.Count == 300;
            },
            Patience,
            () => $"{flushed.Count} flushed\n{host.LogText}");

        Assert.That(host.LogText, Does.Match(@"Resumed \d partitions"));
        Assert.That(flushed, Is.EquivalentTo(Enumerable.Range(0, 300).Select(i => $"e-{i}")), "every event exactly once");
    }

    [Test]
    public async Task CommitSafety_Set_KeepsCommittedOffsetsBehindWhatRedisAcknowledged()
    {
        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 1);
        await using var host = ConsumerHost.Create(kafka, prefix, new Dictionary<string, string?>
        {
            ["Feedback:Consumer:CommitSafety"] = "00:00:03",
        });
        await host.StartAsync();
        await Eventually.WaitAsync(() => host.LogText.Contains("Partitions assigned", StringComparison.Ordinal), Patience, () => host.LogText);

        for (int i = 0; i < 20; i++)
        {
            kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, "agent-1", $"e-{i}", i));
        }

        kafka.Flush();
        await Eventually.WaitAsync(async () => await RedisItems.PendingAsync(SharedRedis.Connection, prefix) == 20, Patience, () => host.LogText, TimeSpan.FromMilliseconds(20));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(1)); // several commit intervals (200 ms) pass
        var early = kafka.CommittedAndEnd().Single(p => p.Partition.Topic == kafka.ReplyTopic);
        Assert.That(early.Committed, Is.LessThan(20), "acknowledged by Redis for less than the margin: not committed yet");

        await kafka.WaitForCommittedAtEndAsync(Patience);
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1.5)), "committed only once the margin has passed");
    }
}
