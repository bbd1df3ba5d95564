using System.Text.RegularExpressions;
using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.EndToEnd;

/// <summary>
/// Runs scripts/run-local.sh itself (the README's first command) with a small load: against a mock Kafka cluster this
/// test hosts so that the dead-letter topic can still be read afterwards, checking the printed summary against the sink
/// file and the topic; and with the mock Kafka the script starts itself, to its end and interrupted like a Ctrl-C,
/// checking that no process of the run is left afterwards.
/// </summary>
[Category("Process")]
public sealed partial class RunLocalTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(8);

    /// <summary>What a run with its own mock Kafka starts, as it names them in DIR/pids.</summary>
    private static readonly string[] Started = ["run-local", "redis-server", "kafka", "consumer-1", "consumer-2", "flusher-1", "produce"];

    [Test]
    public async Task RunLocal_SummaryMatchesTheSinkAndTheDeadLetterTopic()
    {
        using var kafka = MockKafkaCluster.Start(3);
        kafka.SetGroupInitialRebalanceDelay(TimeSpan.FromMilliseconds(500));
        foreach (var (topic, partitions) in new[] { ("feedback.reply.received", 6), ("feedback.reaction.received", 6), ("feedback.dlq", 2), ("feedback.batch.flushed", 2) })
        {
            kafka.CreateTopic(topic, partitions);
        }

        using var run = LocalRun.Start("--events", "4000", "--agents", "150", "--malformed", "0.05", "--kafka", kafka.BootstrapServers);
        int exit = await run.WaitAsync(RunTimeout);
        string output = run.Output;
        string dir = run.Dir;

        Assert.That(exit, Is.Zero, output);
        var produced = Produced().Match(output);
        Assert.That(produced.Success, Is.True, output);
        long valid = long.Parse(produced.Groups["valid"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        long malformed = long.Parse(produced.Groups["malformed"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        long inSink = Number(Line("in the sink").Match(output));
        long deadLettered = Number(Line("dead-lettered").Match(output));

        var sink = await FileSinkReader.ReadAsync(Path.Combine(dir, "feedback.jsonl"));
        var deadLetters = ReadDeadLetters(kafka.BootstrapServers, "feedback.dlq");
        TestContext.Out.WriteLine($"dead-letter topic: {deadLetters.Raw} messages, {deadLetters.Distinct} distinct sources");
        var manifest = await File.ReadAllLinesAsync(Path.Combine(dir, "manifest.txt"));
        Assert.Multiple(() =>
        {
            Assert.That(valid + malformed, Is.EqualTo(4000));
            Assert.That(malformed, Is.GreaterThan(0), "the load mixes in malformed messages");
            Assert.That(manifest, Has.Length.EqualTo(valid));
            Assert.That(inSink, Is.EqualTo(valid), "printed: every valid event in the sink");
            Assert.That(sink.DistinctEvents, Is.EqualTo(valid), "the sink file itself");
            Assert.That(manifest.All(sink.EventIds.Contains), Is.True, "each manifest id is in the sink file");
            Assert.That(output, Does.Match(@"missing\s+0\b"));
            Assert.That(deadLettered, Is.EqualTo(malformed), "printed: every malformed event dead-lettered");
            Assert.That(deadLetters.Distinct, Is.EqualTo(malformed), "the dead-letter topic itself: every malformed message, by its source coordinates");
            Assert.That(deadLetters.Raw, Is.GreaterThanOrEqualTo(malformed), "copies beyond one are redeliveries (at least once), never losses");
            Assert.That(run.Leftovers(), Is.Empty, "processes of the run still running after it exited");
        });
    }

    [Test]
    public async Task RunLocal_WithItsOwnMockKafka_LeavesNoProcessOfTheRunRunning()
    {
        using var run = LocalRun.Start("--events", "500", "--agents", "50", "--malformed", "0.02");

        int exit = await run.WaitAsync(RunTimeout);

        var recorded = run.Recorded();
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero, run.Output);
            Assert.That(run.Output, Does.Match(@"missing\s+0\b"));
            Assert.That(recorded.Select(p => p.Name), Is.EquivalentTo(Started), "what the script says it started");
            Assert.That(recorded.Where(p => LocalRun.CommandOf(p.Pid) is not null), Is.Empty, "recorded processes still running");
            Assert.That(run.Leftovers(), Is.Empty, "processes of the run still running after it exited");
        });
    }

    [Test]
    public async Task RunLocal_InterruptedLikeCtrlC_StopsEveryProcessItStarted()
    {
        // Enough events that the load is still being sent, or waited for, when the interrupt comes.
        using var run = LocalRun.Start("--events", "100000", "--agents", "500");
        await run.WaitForOutputAsync("==> producing", RunTimeout);
        // The long-lived ones: produce may be recorded a moment before its fork has become dotnet.
        var running = run.Recorded().Where(p => p.Name is not ("run-local" or "produce")).Select(p => (p.Name, Command: LocalRun.CommandOf(p.Pid))).ToList();

        run.Interrupt();
        int exit = await run.WaitAsync(RunTimeout);

        Assert.Multiple(() =>
        {
            Assert.That(running.Select(p => p.Name), Is.EquivalentTo(Started.Except(["run-local", "produce"])), run.Output);
            // The recorded PID is the process itself, not a subshell around it (which left the mock Kafka running).
            Assert.That(running.Where(p => p.Command is null or "bash"), Is.Empty, "recorded PIDs that were not the live process they name");
            Assert.That(exit, Is.EqualTo(130), "exit status of an interrupted script\n" + run.Output);
            Assert.That(run.Recorded().Where(p => LocalRun.CommandOf(p.Pid) is not null), Is.Empty, "recorded processes still running");
            Assert.That(run.Leftovers(), Is.Empty, "processes of the run still running after it exited");
        });
    }

    private static long Number(Match m)
    {
        Assert.That(m.Success, Is.True);
        return long.Parse(m.Groups["n"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Regex Line(string label) => new($@"^{label}\s+(?<n>[0-9,]+)", RegexOptions.Multiline);

    [GeneratedRegex(@"^produced\s+[0-9,]+ events: (?<valid>[0-9,]+) valid, (?<malformed>[0-9,]+) malformed", RegexOptions.Multiline)]
    private static partial Regex Produced();

    /// <summary>
    /// The dead-letter topic's messages and how many distinct source messages they are (by <c>dlq.source.*</c>): with two
    /// consumers started together, the mock broker's refusal to commit during the rebalance (INGESTION.md, known limits)
    /// replays the revoked partitions, and a replayed malformed message is dead-lettered again.
    /// </summary>
    private static (long Raw, long Distinct) ReadDeadLetters(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "count" }).Build();
        long raw = 0;
        var sources = new HashSet<string>(StringComparer.Ordinal);
        for (int p = 0; p < 2; p++)
        {
            var partition = new TopicPartition(topic, p);
            var w = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            consumer.Assign(new TopicPartitionOffset(partition, w.Low));
            for (long read = w.Low.Value; read < w.High.Value;)
            {
                var record = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new AssertionException($"{topic}[{p}] ended before its high watermark");
                read = record.Offset.Value + 1;
                raw++;
                var headers = record.Message.Headers;
                sources.Add($"{DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceTopic)}/{DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourcePartition)}/{DeadLetterHeaders.Text(headers, DeadLetterHeaders.SourceOffset)}");
            }
        }

        return (raw, sources.Count);
    }
}
