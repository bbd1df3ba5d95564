using System.Text.Json;
using Confluent.Kafka;
using FeedbackRedis.DevTools;
using FeedbackRedis.DevTools.Kafka;

namespace FeedbackRedis.Tests.DevTools;

/// <summary>
/// <c>feedback-dev</c>, the dev tool that took <c>feedbackctl dev kafka</c>, <c>feedbackctl produce</c> and
/// <c>feedbackctl dev report</c> out of the shipped CLI, with the same options.
/// </summary>
public sealed class FeedbackDevTests
{
    private static async Task<(int Exit, string Out, string Err)> Dev(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await FeedbackDev.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Test]
    public async Task Kafka_HostsAClusterThatClientsReach_UntilCancelled()
    {
        using var output = new SyncWriter();
        using var error = new StringWriter();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = FeedbackDev.RunAsync(["kafka", "--brokers", "1", "--topic", "t.one:2"], output, error, cancel.Token);
        while (!output.Text.Contains("bootstrap.servers=", StringComparison.Ordinal) && !run.IsCompleted)
        {
            await Task.Delay(20);
        }

        string bootstrap = output.Text.Split('\n')[0].Split('=')[1].Trim();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var topic = admin.GetMetadata("t.one", TimeSpan.FromSeconds(10)).Topics.Single();
            Assert.That(topic.Partitions, Has.Count.EqualTo(2));
        }

        await cancel.CancelAsync();
        Assert.That(await run, Is.Zero);
        Assert.That(output.Text, Does.Contain("stopped"));
    }

    [Test]
    public async Task Produce_SendsTheCountToKafka_AndWritesAManifestOfTheValidEvents()
    {
        using var kafka = MockKafkaCluster.Start(1);
        kafka.CreateTopic("feedback.reply.received", 2);
        kafka.CreateTopic("feedback.reaction.received", 2);
        string manifest = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"manifest-{Guid.NewGuid():N}.txt");
        try
        {
            var (exit, output, error) = await Dev(
                "produce", "--bootstrap", kafka.BootstrapServers, "--count", "300", "--agents", "20", "--malformed", "0.2",
                "--manifest", manifest, "--json");

            Assert.That(exit, Is.Zero, error);
            using var summary = JsonDocument.Parse(output);
            long sent = summary.RootElement.GetProperty("sent").GetInt64();
            long valid = summary.RootElement.GetProperty("valid").GetInt64();
            long malformed = summary.RootElement.GetProperty("malformed").GetInt64();
            var ids = await File.ReadAllLinesAsync(manifest);
            Assert.Multiple(() =>
            {
                Assert.That(sent, Is.EqualTo(300));
                Assert.That(valid + malformed, Is.EqualTo(300));
                Assert.That(malformed, Is.InRange(30, 90), "about a fifth malformed (seed 1)");
                Assert.That(ids, Has.Length.EqualTo(valid));
                Assert.That(ids.Distinct(StringComparer.Ordinal).Count(), Is.EqualTo(ids.Length));
                Assert.That(MessagesIn(kafka, "feedback.reply.received", 2) + MessagesIn(kafka, "feedback.reaction.received", 2), Is.EqualTo(300));
            });
        }
        finally
        {
            File.Delete(manifest);
        }
    }

    [Test]
    public async Task Kafka_WithAControlPort_PrintsItAndTakesBrokersDownAndUp()
    {
        using var output = new SyncWriter();
        using var error = new StringWriter();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = FeedbackDev.RunAsync(["kafka", "--brokers", "2", "--topic", "t.one:1", "--control-port", "0"], output, error, cancel.Token);
        while (!output.Text.Contains("control=", StringComparison.Ordinal) && !run.IsCompleted)
        {
            await Task.Delay(20);
        }

        string control = output.Text.Split('\n').Single(l => l.StartsWith("control=", StringComparison.Ordinal))["control=".Length..].Trim();
        Assert.That(control, Does.Match(@"^127\.0\.0\.1:\d+$"));
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", int.Parse(control.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            using var reader = new StreamReader(client.GetStream(), leaveOpen: true);
            using var writer = new StreamWriter(client.GetStream(), leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
            await writer.WriteLineAsync("down 1");
            Assert.That(await reader.ReadLineAsync(cancel.Token), Is.EqualTo("ok down 1"));
            await writer.WriteLineAsync("status");
            Assert.That(await reader.ReadLineAsync(cancel.Token), Is.EqualTo("ok brokers 2; down: 1"));
            await writer.WriteLineAsync("up 1");
            Assert.That(await reader.ReadLineAsync(cancel.Token), Is.EqualTo("ok up 1"));
        }

        await cancel.CancelAsync();
        Assert.That(await run, Is.Zero, error.ToString());
    }

    [Test]
    public async Task Produce_WithHostileAndGiants_WritesADeadManifestOfEveryMessageToDeadLetter()
    {
        using var kafka = MockKafkaCluster.Start(1);
        kafka.CreateTopic("feedback.reply.received", 2);
        kafka.CreateTopic("feedback.reaction.received", 2);
        string dir = TestContext.CurrentContext.WorkDirectory;
        string manifest = Path.Combine(dir, $"manifest-{Guid.NewGuid():N}.txt");
        string dead = Path.Combine(dir, $"dead-{Guid.NewGuid():N}.txt");
        try
        {
            var (exit, output, error) = await Dev(
                "produce", "--bootstrap", kafka.BootstrapServers, "--count", "600", "--agents", "20", "--malformed", "0.05", "--hostile", "0.3",
                "--giants", "2", "--giant-bytes", "300000", "--too-large-bytes", "9216", "--manifest", manifest, "--dead-manifest", dead, "--json");

            Assert.That(exit, Is.Zero, error);
            using var summary = JsonDocument.Parse(output);
            var root = summary.RootElement;
            long malformed = root.GetProperty("malformed").GetInt64();
            long hostile = root.GetProperty("hostile").GetInt64();
            var byKind = root.GetProperty("hostileByKind").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            var byReason = root.GetProperty("malformedByKind").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            var lines = (await File.ReadAllLinesAsync(dead)).Select(l => l.Split('\t')).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(root.GetProperty("valid").GetInt64() + malformed, Is.EqualTo(600));
                Assert.That(hostile, Is.InRange(120, 240), "about 30 % hostile (seed 1), and the 2 giants");
                Assert.That(byKind.Keys, Is.SupersetOf(FeedbackRedis.DevTools.HostileMessages.Kinds), "every hostile kind is sent");
                Assert.That(byKind["giant"], Is.EqualTo(2));
                Assert.That(lines, Has.Count.EqualTo(malformed), "one line for each message to dead-letter");
                Assert.That(lines.Select(l => l[0]).Distinct().Count(), Is.EqualTo(lines.Count), "each at its own coordinates");
                Assert.That(lines.GroupBy(l => l[1]).ToDictionary(g => g.Key, g => (long)g.Count()), Is.EquivalentTo(byReason));
                Assert.That(lines.Count(l => l[2] == "giant" && l[1] == "too-large"), Is.EqualTo(2));
            });
        }
        finally
        {
            File.Delete(manifest);
            File.Delete(dead);
        }
    }

    [TestCase(new[] { "kafka", "--brokers", "0" }, "--brokers must be from 1 to 10")]
    [TestCase(new[] { "kafka", "--topic", "no-partitions" }, "--topic 'no-partitions': expected name:partitions")]
    [TestCase(new[] { "produce", "--count", "0" }, "--count must be from 1 to 10000000")]
    [TestCase(new[] { "produce", "--malformed", "1.5" }, "--malformed must be from 0 to 1")]
    [TestCase(new[] { "produce", "--malformed", "0.6", "--hostile", "0.5" }, "--malformed and --hostile must add up to at most 1")]
    [TestCase(new[] { "produce", "--giants", "101" }, "--giants must be from 0 to 100")]
    [TestCase(new[] { "kafka", "--control-port", "70000" }, "--control-port must be from 0 to 65535")]
    [TestCase(new[] { "report", "--manifest", "/nonexistent/m.txt", "--dead-manifest", "/nonexistent/dead.txt" }, "/nonexistent/dead.txt does not exist")]
    [TestCase(new[] { "report" }, "--manifest")]
    [TestCase(new[] { "report", "--manifest", "/nonexistent/manifest.txt" }, "/nonexistent/manifest.txt does not exist")]
    [TestCase(new[] { "status" }, "Unrecognized command or argument 'status'")]
    public async Task BadArguments_ExitTwoWithAClearMessage(string[] args, string expected)
    {
        var (exit, _, error) = await Dev(args);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("feedback-dev: "));
        Assert.That(error, Does.Contain(expected));
    }

    private static long MessagesIn(MockKafkaCluster kafka, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "count" }).Build();
        return Enumerable.Range(0, partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>A StringWriter that can be read while another task writes.</summary>
    private sealed class SyncWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }

            return Task.CompletedTask;
        }
    }
}
