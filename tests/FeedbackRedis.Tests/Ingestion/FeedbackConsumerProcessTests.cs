using System.Text;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// The issue's "must show" list, with real <c>feedback-redis --role consumer</c> processes, real redis-server and the
/// librdkafka mock cluster over TCP (hosted by this test process). Both feedback topics have 3 partitions: 6 partitions
/// in the subscription. Events alternate between the topics; each has a producer event id.
/// </summary>
[Category("Process")]
[NonParallelizable]
public sealed class FeedbackConsumerProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static string EventId(int n) => $"ev-{n}";

    private static void ProduceValid(KafkaTestCluster kafka, int n, int agents)
    {
        string kind = n % 2 == 0 ? FeedbackMessages.Reply : FeedbackMessages.Reaction;
        kafka.Produce(kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{n % agents}", EventId(n), n));
    }

    private static List<string> Ids(int count) => [.. Enumerable.Range(0, count).Select(EventId)];

    [Test]
    public async Task TwoProcesses_SixPartitionsEach_EveryEventOnceAndCommittedToTheEnd()
    {
        const int events = 100_000;
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3);
        // small batches over 100 agents: most events end up in sealed batches, so "exactly once" covers open and sealed
        await using var consumers = new ConsumerProcesses(kafka, SharedRedis.Server.ConnectionString, SharedRedis.Connection, new Dictionary<string, string>
        {
            ["FEEDBACK_BATCH_SIZE"] = "100",
        });
        await consumers.StartAndWaitForAssignmentAsync(2);

        for (int n = 0; n < events; n++)
        {
            ProduceValid(kafka, n, agents: 100);
        }

        kafka.Flush();
        await consumers.AssertEveryEventExactlyOnceAsync(Ids(events), Patience);

        // Each ends with 3 of the 6 partitions: assigned 3 when both joined together, or (when one joined first, as on a
        // loaded machine) assigned all 6 and then, cooperatively, 3 of them revoked for the other.
        Assert.That(
            consumers.All.Select(p => p.Log.Contains("Partitions assigned (3)", StringComparison.Ordinal)
                || (p.Log.Contains("Partitions assigned (6)", StringComparison.Ordinal) && p.Log.Contains("Revocation of 3 partitions", StringComparison.Ordinal))),
            Has.All.True,
            "both processes consumed a share");
        Assert.That(consumers.DuplicatesSkipped(), Is.Zero, "no fault, no redelivery");
    }

    [TestCase(1)]
    [TestCase(8)]
    public async Task Kill9MidStream_Restarted_LosesNothingAndResumesAfterRedisRecord(int appendsInFlight)
    {
        const int events = 60_000;
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3);
        // A 2 s commit safety margin keeps Kafka's committed offsets 2 s (~16,000 events at this pace) behind what Redis
        // acknowledged: the next owner would read all of that again from Kafka's commit. It starts after the offsets the
        // append script recorded in Redis instead, so the only redelivery left is the killed process's last append if
        // the kill cut it between its calls: at most the appends it had in flight, FEEDBACK_CONSUMER_APPENDS_IN_FLIGHT micro-batches of
        // FEEDBACK_CONSUMER_MAX_BATCH = 500.
        await using var consumers = new ConsumerProcesses(kafka, SharedRedis.Server.ConnectionString, SharedRedis.Connection, new Dictionary<string, string>
        {
            ["FEEDBACK_COMMIT_SAFETY_MS"] = "2000",
            ["FEEDBACK_CONSUMER_APPENDS_IN_FLIGHT"] = appendsInFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var processes = await consumers.StartAndWaitForAssignmentAsync(2);
        var producing = kafka.ProducePacedAsync(events, perSecond: 8_000, n => ProduceValid(kafka, n, agents: 50));

        await consumers.WaitForPendingAsync(events / 4, Patience);
        processes[0].Kill();
        var restarted = consumers.Start();
        await producing;
        await restarted.WaitForLogAsync("Partitions assigned", Patience);

        await consumers.AssertEveryEventExactlyOnceAsync(Ids(events), Patience);
        Assert.Multiple(() =>
        {
            // An append retried after a client-side timeout whose first attempt Redis did take is re-appended too (the
            // guard skips it): one micro-batch per logged retry on a loaded machine.
            long retries = consumers.AppendRetries();
            Assert.That(
                consumers.DuplicatesSkipped(),
                Is.LessThanOrEqualTo(500 * (appendsInFlight + retries)),
                $"re-appended events: at most the killed process's appends in flight ({appendsInFlight} micro-batches), plus one per append retry ({retries})\n" + consumers.Logs());
            Assert.That(processes[1].Log + restarted.Log, Does.Match(@"Positioned [1-9]\d* assigned partitions after the offsets Redis recorded"), consumers.Logs());
        });
    }

    [Test]
    public async Task SigtermMidStream_HandOver_CommitsWithoutDuplicates()
    {
        const int events = 60_000;
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3);
        // small batches: a redelivered event whose first copy was sealed would show up twice in Redis
        await using var consumers = new ConsumerProcesses(kafka, SharedRedis.Server.ConnectionString, SharedRedis.Connection, new Dictionary<string, string>
        {
            ["FEEDBACK_BATCH_SIZE"] = "100",
        });
        var processes = await consumers.StartAndWaitForAssignmentAsync(2);
        var producing = kafka.ProducePacedAsync(events, perSecond: 8_000, n => ProduceValid(kafka, n, agents: 50));

        await consumers.WaitForPendingAsync(events / 4, Patience);
        int exitCode = await processes[0].TerminateAsync(TimeSpan.FromSeconds(30));
        await producing;

        await consumers.AssertEveryEventExactlyOnceAsync(Ids(events), Patience);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, processes[0].Log);
            Assert.That(processes[0].Log, Does.Match(@"Committed [1-9]\d* offsets on shutdown"), "commits before handing over");
            Assert.That(processes[0].Log, Does.Contain("Consumer stopped"));
            Assert.That(processes[1].Log, Does.Contain("Partitions assigned (6)").Or.Match(@"Partitions assigned \(3\)[\s\S]*Partitions assigned \(3\)"), "the survivor took the partitions over");
            Assert.That(consumers.DuplicatesSkipped(), Is.Zero, "nothing was redelivered");
        });
    }

    [Test]
    public async Task ThousandMalformedOfEveryKind_AmongValid_DeadLetteredAndEveryValidEventInRedis()
    {
        const int valid = 20_000;
        const int maxItemBytes = 4096;
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3);
        await using var consumers = new ConsumerProcesses(kafka, SharedRedis.Server.ConnectionString, SharedRedis.Connection, new Dictionary<string, string>
        {
            ["FEEDBACK_MAX_ITEM_BYTES"] = $"{maxItemBytes}",
        });
        await consumers.StartAndWaitForAssignmentAsync(2);

        var expectedReason = new Dictionary<string, string>();
        int bad = 0;
        for (int n = 0; n < valid; n++)
        {
            ProduceValid(kafka, n, agents: 50);
            if (n % 20 == 7)
            {
                var kinds = FeedbackMessages.AllKinds(maxItemBytes, bad);
                var malformed = kinds[bad % kinds.Count];
                kafka.Produce(kafka.TopicFor(malformed.Kind), malformed.Value, key: $"bad-{bad}");
                expectedReason[$"bad-{bad}"] = malformed.Reason;
                bad++;
            }
        }

        kafka.Flush();
        Assert.That(bad, Is.EqualTo(1_000));

        await consumers.AssertEveryEventExactlyOnceAsync(Ids(valid), Patience);
        var letters = kafka.ReadDeadLetters(bad, Patience);
        Assert.That(letters, Has.Count.EqualTo(bad), consumers.Logs());
        var wrong = letters
            .Select(l => (Key: Encoding.UTF8.GetString(l.Message.Key!), Reason: DeadLetterHeaders.Text(l.Message.Headers, DeadLetterHeaders.Reason)))
            .Where(l => expectedReason[l.Key] != l.Reason)
            .Take(10)
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(letters.Select(l => Encoding.UTF8.GetString(l.Message.Key!)).Distinct().Count(), Is.EqualTo(bad), "each bad message dead-lettered once");
            Assert.That(wrong, Is.Empty, "dead letters with the wrong reason");
            Assert.That(expectedReason.Values.Distinct().Count(), Is.EqualTo(6), "six reasons exercised (unknown-topic cannot come through a subscription)");
            Assert.That(
                letters.Count(l => DeadLetterHeaders.Text(l.Message.Headers, DeadLetterHeaders.SourceTopic) is not null
                    && DeadLetterHeaders.Text(l.Message.Headers, DeadLetterHeaders.SourcePartition) is not null
                    && DeadLetterHeaders.Text(l.Message.Headers, DeadLetterHeaders.SourceOffset) is not null),
                Is.EqualTo(bad),
                "every dead letter names its source topic, partition and offset");
        });
    }

    [Test]
    public async Task RedisStopped10SecondsMidStream_PausesAndResumes_LosingNothing()
    {
        const int events = 40_000;
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3);
        await using var consumers = new ConsumerProcesses(kafka, redis.ConnectionString, connection);
        await consumers.StartAndWaitForAssignmentAsync(2);
        var producing = kafka.ProducePacedAsync(events, perSecond: 4_000, n => ProduceValid(kafka, n, agents: 50));

        await consumers.WaitForPendingAsync(events / 5, Patience);
        await redis.KillAsync();
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.WaitAsync(
            () => consumers.All.Any(p => p.Log.Contains("partitions: redis-unavailable", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            consumers.Logs);
        if (stopped.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(TimeSpan.FromSeconds(10) - stopped.Elapsed); // the scenario: Redis away for 10 s
        }

        await redis.RestartAsync();
        await producing;

        await consumers.AssertEveryEventExactlyOnceAsync(Ids(events), Patience);
        var paused = consumers.All.Where(p => p.Log.Contains("partitions: redis-unavailable", StringComparison.Ordinal)).ToList();
        Assert.That(paused, Is.Not.Empty);
        Assert.That(paused.Count(p => p.Log.Contains("Resumed", StringComparison.Ordinal)), Is.EqualTo(paused.Count), "every paused consumer resumed:\n" + consumers.Logs());
    }

    [Test]
    public async Task BrokerDownAndUpMidStream_Consumed_LosesNothing()
    {
        const int events = 40_000;
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3);
        await using var consumers = new ConsumerProcesses(kafka, SharedRedis.Server.ConnectionString, SharedRedis.Connection);
        await consumers.StartAndWaitForAssignmentAsync(2);
        var producing = kafka.ProducePacedAsync(events, perSecond: 4_000, n => ProduceValid(kafka, n, agents: 50));

        await consumers.WaitForPendingAsync(events / 5, Patience);
        kafka.Cluster.SetBrokerDown(1);
        long atDown = await consumers.PendingAsync();
        await Task.Delay(TimeSpan.FromSeconds(5)); // the scenario: the broker is away for 5 s
        kafka.Cluster.SetBrokerUp(1);
        await producing;

        await consumers.AssertEveryEventExactlyOnceAsync(Ids(events), Patience);
        Assert.That(atDown, Is.LessThan(events), "the broker went down mid-stream");
    }
}
