using System.Diagnostics;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Sinks.File;

namespace FeedbackRedis.Tests.EndToEnd;

/// <summary>
/// Runs scripts/run-local.sh itself (the README's first command) with a small load, against a mock Kafka cluster this
/// test hosts so that the dead-letter topic can still be read afterwards, and checks the printed summary against the
/// sink file and the topic.
/// </summary>
[Category("Process")]
public sealed partial class RunLocalTests
{
    [Test]
    public async Task RunLocal_SummaryMatchesTheSinkAndTheDeadLetterTopic()
    {
        using var kafka = MockKafkaCluster.Start(3);
        kafka.SetGroupInitialRebalanceDelay(TimeSpan.FromMilliseconds(500));
        foreach (var (topic, partitions) in new[] { ("feedback.reply.received", 6), ("feedback.reaction.received", 6), ("feedback.dlq", 2), ("feedback.batch.flushed", 2) })
        {
            kafka.CreateTopic(topic, partitions);
        }

        string dir = Directory.CreateTempSubdirectory("feedback-run-local-").FullName;
        var (exit, output) = await RunAsync(RepoRoot(), "scripts/run-local.sh", "--events", "4000", "--agents", "150", "--malformed", "0.05", "--kafka", kafka.BootstrapServers, "--dir", dir);

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

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "run-local.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("scripts/run-local.sh not found above the test binaries");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + "\n" + await stderr);
    }
}
