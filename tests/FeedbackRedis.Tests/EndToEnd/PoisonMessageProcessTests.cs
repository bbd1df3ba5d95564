using System.Diagnostics;
using System.Text;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.EndToEnd;

/// <summary>
/// Issue #10's process test: a real <c>feedback-redis --role all</c> process (consumer and flusher, file sink), real
/// redis-server, the librdkafka mock cluster over TCP. On each topic (one partition each) one poison message of every
/// kind sits in the middle of 1,000 good ones: every good event must reach the sink, every poison the dead-letter topic
/// with its reason, in bounded time, and the process must idle cheaply and stay live afterwards.
/// </summary>
[Category("Process")]
[NonParallelizable]
public sealed class PoisonMessageProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly (string Name, string Kind, string Json, string Reason)[] Poisons =
    [
        ("lone surrogate in text", FeedbackMessages.Reply, """{"agentId":"a-1","text":"x\ud800y"}""", "invalid-text"),
        ("lone surrogate in eventId", FeedbackMessages.Reply, """{"agentId":"a-1","eventId":"e\udc00","text":"t"}""", "invalid-text"),
        ("lone surrogate in agentId", FeedbackMessages.Reaction, """{"agentId":"a\ud800","reaction":"up"}""", "invalid-text"),
        ("lone surrogate in an unknown field's name", FeedbackMessages.Reaction, """{"agentId":"a-1","reaction":"up","\ud800x":1}""", "invalid-text"),
        ("lone surrogate in an unknown field's value", FeedbackMessages.Reply, """{"agentId":"a-1","text":"t","note":{"deep":["\udfff"]}}""", "invalid-text"),
        ("control character in a field name", FeedbackMessages.Reply, """{"agentId":"a-1","text":"t","bad\u0000name":1}""", "invalid-text"),
        ("depth 33", FeedbackMessages.Reply, """{"agentId":"a-1","text":"t","x":""" + new string('[', 32) + new string(']', 32) + "}", "too-deep"),
        ("depth 5,000", FeedbackMessages.Reaction, """{"agentId":"a-1","reaction":"up","x":""" + new string('[', 5000) + new string(']', 5000) + "}", "too-deep"),
        ("a number that is not finite", FeedbackMessages.Reaction, """{"agentId":"a-1","reaction":"up","score":1e400}""", "invalid-number"),
        ("a white-space reaction", FeedbackMessages.Reaction, """{"agentId":"a-1","reaction":" \n"}""", "wrong-shape"),
        ("a repeated name inside an unknown field", FeedbackMessages.Reply, """{"agentId":"a-1","text":"t","meta":{"k":1,"k":2}}""", "wrong-shape"),
        ("a 1.1 MB message", FeedbackMessages.Reply, """{"agentId":"a-1","text":" """ + new string('x', 1_100_000) + "\"}", "too-large"),
    ];

    [Test]
    public async Task OnePoisonOfEveryKind_Among1000GoodEventsPerTopic_DeadLettersAloneAndTheRestIsFlushed()
    {
        using var kafka = KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 1);
        string dir = Directory.CreateTempSubdirectory("feedback-poison-").FullName;
        string sinkPath = Path.Combine(dir, "feedback.jsonl");
        var good = new List<string>();
        foreach (string kind in new[] { FeedbackMessages.Reply, FeedbackMessages.Reaction })
        {
            for (int n = 0; n < 1000; n++)
            {
                if (n == 500)
                {
                    foreach (var poison in Poisons.Where(p => p.Kind == kind))
                    {
                        kafka.Produce(kafka.TopicFor(kind), Encoding.UTF8.GetBytes(poison.Json), partition: 0);
                    }
                }

                string id = $"{kind}-{n}";
                good.Add(id);
                kafka.Produce(kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{n % 50}", id, n), partition: 0);
            }
        }

        kafka.Flush();
        var env = new Dictionary<string, string>(kafka.Environment())
        {
            ["FEEDBACK_REDIS_CONNECTION"] = SharedRedis.Server.ConnectionString,
            ["FEEDBACK_REDIS_EVICTION_CHECK"] = "warn",
            ["FEEDBACK_KEY_PREFIX"] = kafka.Prefix,
            ["FEEDBACK_BATCHING_MODE"] = "hybrid",
            ["FEEDBACK_BATCH_SIZE"] = "100",
            ["FEEDBACK_BATCH_TIME_MS"] = "1000",
            ["FEEDBACK_FLUSH_POLL_MS"] = "100",
            ["FEEDBACK_SINK"] = "file",
            ["FEEDBACK_SINK_FILE_PATH"] = sinkPath,
            ["FEEDBACK_TOPIC_FLUSHED"] = $"{kafka.Prefix}.feedback.batch.flushed",
            ["FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS"] = "6000",
        };
        var clock = Stopwatch.StartNew();
        await using var service = ServiceProcess.Start("all", env);
        try
        {
            await Eventually.WaitAsync(
                async () => (await FileSinkReader.ReadAsync(sinkPath)).DistinctEvents >= good.Count, Patience, "every good event in the sink");
            var drained = clock.Elapsed;
            var letters = kafka.ReadDeadLetters(Poisons.Length, Patience);
            var summary = await FileSinkReader.ReadAsync(sinkPath);

            // Idle now: the consumer polls and the flusher ticks; neither may spin (a spinning loop takes a whole core). The
            // last time-sealed batches are flushed first, then 5 s are measured.
            await Task.Delay(TimeSpan.FromSeconds(2));
            double cpu = await CpuCoresAsync(service.Id, TimeSpan.FromSeconds(5));
            var live = await new HttpClient().GetAsync(new Uri(await service.WaitForHttpAsync(Patience), "/healthz/live"));
            TestContext.Out.WriteLine($"drained in {drained.TotalSeconds:0.0} s; {letters.Count} dead letters; idle CPU {cpu:0.00} cores");

            Assert.Multiple(() =>
            {
                Assert.That(summary.EventIds, Is.EquivalentTo(good), "every good event, no other");
                Assert.That(summary.TornLines, Is.Zero);
                Assert.That(letters, Has.Count.EqualTo(Poisons.Length), "each poison dead-lettered once");
                foreach (var (poison, topic, offset) in Placed(kafka))
                {
                    var letter = letters.SingleOrDefault(l =>
                        DeadLetterHeaders.Text(l.Message.Headers, DeadLetterHeaders.SourceTopic) == topic
                        && DeadLetterHeaders.Text(l.Message.Headers, DeadLetterHeaders.SourceOffset) == offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Assert.That(letter, Is.Not.Null, $"{poison.Name}: in the dead-letter topic");
                    if (letter is null)
                    {
                        continue;
                    }

                    byte[] sent = Encoding.UTF8.GetBytes(poison.Json);
                    byte[] value = letter.Message.Value ?? [];
                    Assert.That(DeadLetterHeaders.Text(letter.Message.Headers, DeadLetterHeaders.Reason), Is.EqualTo(poison.Reason), poison.Name);
                    Assert.That(
                        value.AsSpan().SequenceEqual(sent) || (sent.AsSpan().StartsWith(value) && value.Length > 0 && letter.Message.Headers.Any(h => h.Key == "dlq.truncated")),
                        Is.True,
                        $"{poison.Name}: byte for byte, or (over the topic's size limit) its beginning, marked truncated");
                }

                Assert.That(drained, Is.LessThan(Patience));
                Assert.That(cpu, Is.LessThan(0.5), "idle: no loop spins (a spinning one takes a core)");
                Assert.That((int)live.StatusCode, Is.EqualTo(200), "live");
            });
        }
        catch
        {
            TestContext.Out.WriteLine(service.Log[^Math.Min(service.Log.Length, 8000)..]);
            throw;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Each poison with the topic and offset it was produced at: after the first 500 good messages of its topic.</summary>
    private static IEnumerable<((string Name, string Kind, string Json, string Reason) Poison, string Topic, long Offset)> Placed(KafkaTestCluster kafka)
    {
        foreach (var group in Poisons.GroupBy(p => p.Kind))
        {
            long offset = 500;
            foreach (var poison in group)
            {
                yield return (poison, kafka.TopicFor(group.Key), offset++);
            }
        }
    }

    /// <summary>CPU used by <paramref name="pid"/> over <paramref name="window"/>, in cores (utime + stime from /proc).</summary>
    internal static async Task<double> CpuCoresAsync(int pid, TimeSpan window)
    {
        static long Ticks(int pid)
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }

        long before = Ticks(pid);
        await Task.Delay(window);
        long after = Ticks(pid);
        return (after - before) / 100.0 / window.TotalSeconds; // USER_HZ is 100 on Linux
    }
}
