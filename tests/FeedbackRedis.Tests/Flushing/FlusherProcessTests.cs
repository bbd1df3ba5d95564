using System.Diagnostics;
using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Flushing;
using FeedbackRedis.Items;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Flushing;

/// <summary>
/// Real <c>feedback-redis --role flusher</c> processes on the shared Redis (Redis clock), the file sink and a mock Kafka
/// cluster hosted by the test. Events are appended by the test through the batch engine (as consumers would).
/// </summary>
[Category("Process")]
public sealed class FlusherProcessTests
{
    private const string FlushedTopic = "feedback.batch.flushed";
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private string _dir = "";
    private MockKafkaCluster? _kafka;
    private RedisBatchStore _store = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("feedback-flusher-process-").FullName;
        _kafka = MockKafkaCluster.Start(brokers: 1);
        _kafka.CreateTopic(FlushedTopic, 1);
        _store = TestStores.Create(o =>
        {
            o.Clock = ClockSource.Redis;
            o.BatchSize = 5;
            o.LeaseDuration = TimeSpan.FromSeconds(2);
            o.MaxAttempts = 5;
        });
    }

    [TearDown]
    public void TearDown()
    {
        _kafka?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string SinkPath => Path.Combine(_dir, "feedback.jsonl");

    [Test]
    public async Task FlusherKilledBetweenWriteAndAck_AnotherFlusherRewritesAfterTheLeaseExpires_EveryEventOnce()
    {
        for (int a = 0; a < 8; a++)
        {
            await _store.AppendAsync(TestFeedback.Events($"agent-{a}", 5));
        }

        await using var first = ServiceProcess.Start("flusher", Environment(("FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS", "60000")));
        await first.WaitForLogAsync("TestPauseBeforeAck: pausing", Startup);
        var beforeKill = await FileSinkReader.ReadAsync(SinkPath);
        var inFlight = (await _store.GetCountsAsync()).InFlightBatches;
        first.Kill();
        var killed = Stopwatch.StartNew();

        await using var second = ServiceProcess.Start("flusher", Environment());
        await Eventually.WaitAsync(DrainedAsync, Startup, "the second flusher re-flushed every batch");
        var reflushedAfter = killed.Elapsed;

        var summary = await FileSinkReader.ReadAsync(SinkPath);
        var announcements = ReadAnnouncements(expected: 16);
        TestContext.Out.WriteLine($"lines {summary.Lines}, distinct {summary.DistinctEvents}, torn {summary.TornLines}; drained {reflushedAfter.TotalSeconds:0.0} s after the kill");
        Assert.Multiple(() =>
        {
            Assert.That(beforeKill.Lines, Is.EqualTo(40), "written and fsynced before the pause");
            Assert.That(inFlight, Is.EqualTo(8), "claimed, written, not acked when killed");
            Assert.That(summary.DistinctEvents, Is.EqualTo(40), "every event id exactly once by distinct count");
            Assert.That(summary.Lines, Is.EqualTo(80), "the raw lines show the re-write of all 8 batches");
            Assert.That(summary.TornLines, Is.Zero);
            Assert.That(summary.WritersByBatch.Values.Select(w => w.Count), Has.All.EqualTo(2), "each batch: the killed flusher, then the survivor");
            Assert.That(summary.Agents.Values.Select(a => (a.Events, a.Replies, a.Reactions["like"])), Has.All.EqualTo((5L, 3L, 2L)));
            Assert.That(announcements.GroupBy(m => m.BatchId).Select(g => g.Select(m => m.Attempt).Order()), Has.All.EqualTo(new[] { 1, 2 }),
                "announced at least once: by attempt 1 before the kill, by attempt 2 after the lease expired");
        });
        // the survivor did the re-write (in one or more groups, as its claims found the leases expired); its log line may
        // still be in the pipe when the drain is seen
        await second.WaitForLogAsync("event(s) to the file sink", Startup);
    }

    [Test]
    public async Task ThreeFlusherProcesses_WithWritesOutlastingTheLease_NeverWriteOneBatchTwice()
    {
        var env = Environment(("FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS", "3000"), ("FEEDBACK_FLUSH_MAX_WRITE_BATCHES", "2"));
        await using var a = ServiceProcess.Start("flusher", env);
        await using var b = ServiceProcess.Start("flusher", env);
        await using var c = ServiceProcess.Start("flusher", env);
        foreach (var process in new[] { a, b, c })
        {
            await process.WaitForLogAsync("Flusher ", Startup);
        }

        for (int agent = 0; agent < 12; agent++)
        {
            await _store.AppendAsync(TestFeedback.Events($"agent-{agent}", 5));
        }

        await Eventually.WaitAsync(DrainedAsync, Startup, "all 12 batches flushed");

        var summary = await FileSinkReader.ReadAsync(SinkPath);
        var announcements = ReadAnnouncements(expected: 12);
        var writers = summary.WritersByBatch.Values.SelectMany(w => w).Distinct().ToList();
        TestContext.Out.WriteLine($"lines {summary.Lines}, distinct {summary.DistinctEvents}, writers {writers.Count}");
        Assert.Multiple(() =>
        {
            Assert.That(summary.Lines, Is.EqualTo(60), "no batch written twice, although each write held its batch 3 s under a 2 s lease");
            Assert.That(summary.DistinctEvents, Is.EqualTo(60));
            Assert.That(summary.WritersByBatch.Values.Select(w => w.Count), Has.All.EqualTo(1));
            Assert.That(writers, Has.Count.GreaterThanOrEqualTo(2), "the processes shared the work");
            Assert.That(announcements.Select(m => m.Attempt), Has.All.EqualTo(1));
            Assert.That(announcements.Select(m => m.BatchId).Distinct().Count(), Is.EqualTo(12));
            Assert.That(a.Log + b.Log + c.Log, Does.Not.Contain("not confirmed in time").And.Not.Contain("Lease lost"),
                "every 3 s hold was covered by renewals, none cut short by the lease deadline");
        });
    }

    [Test]
    public async Task Sigterm_WhileAGroupIsInHand_FinishesItWithinTheDrainTimeout_AndExitsCleanly()
    {
        await _store.AppendAsync(TestFeedback.Events("agent-1", 5));
        await using var flusher = ServiceProcess.Start(
            "flusher", Environment(("FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS", "60000"), ("FEEDBACK_FLUSH_DRAIN_MS", "1000")));
        await flusher.WaitForLogAsync("TestPauseBeforeAck: pausing", Startup);

        var clock = Stopwatch.StartNew();
        int exitCode = await flusher.TerminateAsync(TimeSpan.FromSeconds(30));

        var counts = await _store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "the 60 s pause was cut at the 1 s drain timeout");
            Assert.That((counts.InFlightBatches, counts.ReadyBatches, counts.PendingEvents), Is.EqualTo((0L, 0L, 0L)), "acked before exit, not left to its lease");
            Assert.That(flusher.Log, Does.Contain("Flusher ").And.Contain(" stopped"));
        });
    }

    [Test]
    public async Task OneBadItemInAHybridCombinedBatchOfManyAgents_IsQuarantined_AndEveryOtherEventIsWrittenAndAcked()
    {
        var store = TestStores.Create(o =>
        {
            o.Clock = ClockSource.Redis;
            o.Mode = BatchingMode.Hybrid;
            o.BatchSize = 50;
            o.GlobalTrigger = 20;
            o.BatchTime = TimeSpan.FromSeconds(1);
        }, prefix: _store.Options.KeyPrefix);
        // The bad agent's batch is the oldest, so the global trigger combines it with others into a lane batch. Its item
        // holds what a hand edit could leave (a lone surrogate): the consumer never writes such an item.
        await store.AppendAsync([AppendEvent.FromJson("bad-1", "agent-bad", """{"eventId":"bad-1","agentId":"agent-bad","type":"reply","text":"x\ud800"}""")]);
        var good = new List<string>();
        for (int a = 0; a < 30; a++)
        {
            good.Add($"agent-{a}-e0");
            await store.AppendAsync([TestFeedback.Event($"agent-{a}", $"agent-{a}-e0")]);
        }

        await using var flusher = ServiceProcess.Start("flusher", Environment(
            ("FEEDBACK_BATCHING_MODE", "hybrid"), ("FEEDBACK_BATCH_SIZE", "50"), ("FEEDBACK_GLOBAL_TRIGGER", "20"), ("FEEDBACK_BATCH_TIME_MS", "1000")));
        await Eventually.WaitAsync(
            async () => (await FileSinkReader.ReadAsync(SinkPath)).DistinctEvents == good.Count && (await store.GetCountsAsync()).PendingEvents == 0,
            Startup,
            "every good event written and acked");

        var summary = await FileSinkReader.ReadAsync(SinkPath);
        var dead = await store.ListSealedAsync(BatchState.Dead, 10);
        var counts = await store.GetCountsAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(summary.EventIds, Is.EquivalentTo(good));
            Assert.That(dead, Has.Count.EqualTo(1), "the bad item alone is dead");
            Assert.That(dead[0].Meta["trigger"], Is.EqualTo("quarantine"));
            Assert.That(dead[0].Meta["quarantinedFrom"], Does.StartWith(AgentIds.LanePrefix), "it came in a combined lane batch");
            Assert.That(dead[0].LastError, Does.Contain("event bad-1").And.Contain("not valid text"));
            Assert.That((await store.GetBatchAsync(dead[0].Id))!.Value.Items, Has.Count.EqualTo(1));
            Assert.That(counts.ReadyBatches + counts.InFlightBatches + counts.OpenBatches, Is.Zero, "nothing else is left");
            Assert.That(flusher.Log, Does.Contain("Quarantined 1 item(s) of batch #global-"));
        });
    }

    private Dictionary<string, string> Environment(params (string Name, string Value)[] extra)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FEEDBACK_REDIS_CONNECTION"] = SharedRedis.Server.ConnectionString,
            ["FEEDBACK_REDIS_EVICTION_CHECK"] = "warn",
            ["FEEDBACK_KEY_PREFIX"] = _store.Options.KeyPrefix,
            ["FEEDBACK_BATCHING_MODE"] = "agent",
            ["FEEDBACK_BATCH_SIZE"] = "5",
            ["FEEDBACK_LEASE_MS"] = "2000",
            ["FEEDBACK_MAX_ATTEMPTS"] = "5",
            ["FEEDBACK_CLOCK"] = "redis",
            ["FEEDBACK_SINK"] = "file",
            ["FEEDBACK_SINK_FILE_PATH"] = SinkPath,
            ["FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"] = _kafka!.BootstrapServers,
            ["FEEDBACK_FLUSH_POLL_MS"] = "100",
        };
        foreach (var (name, value) in extra)
        {
            env[name] = value;
        }

        return env;
    }

    private async Task<bool> DrainedAsync()
    {
        var counts = await _store.GetCountsAsync();
        return counts.ReadyBatches == 0 && counts.InFlightBatches == 0 && counts.PendingEvents == 0 && counts.DeadBatches == 0;
    }

    private List<FlushedBatchMessage> ReadAnnouncements(int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _kafka!.BootstrapServers,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(FlushedTopic, 0, Offset.Beginning));
        var messages = new List<FlushedBatchMessage>();
        var clock = Stopwatch.StartNew();
        while (messages.Count < expected && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
            {
                messages.Add(FlushedBatchMessage.FromJson(record.Message.Value)!);
            }
        }

        // anything beyond the expected count would be a duplicate announcement: look briefly for it
        while (consumer.Consume(TimeSpan.FromMilliseconds(300)) is { } extra)
        {
            messages.Add(FlushedBatchMessage.FromJson(extra.Message.Value)!);
        }

        Assert.That(messages, Has.Count.EqualTo(expected), "announcements on feedback.batch.flushed");
        return messages;
    }
}
