using System.Text.Json;
using FeedbackRedis.Flushing;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Sinks.File;

public sealed class FileFeedbackSinkTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("feedback-file-sink-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task Write_AppendsOneJsonLinePerEvent_WithTheBatchWriterAndWholeItem()
    {
        var sink = Sink(Path.Combine(_dir, "sub", "feedback.jsonl"));
        await sink.PrepareAsync(CancellationToken.None);
        var batch = Batch("agent-1:1", TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2", "reaction", "like"));

        var results = await sink.WriteAsync([batch], CancellationToken.None);

        var lines = await System.IO.File.ReadAllLinesAsync(sink.FilePath);
        using var second = JsonDocument.Parse(lines[1]);
        var line = second.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(lines, Has.Length.EqualTo(2));
            Assert.That(line.GetProperty("eventId").GetString(), Is.EqualTo("e-2"));
            Assert.That(line.GetProperty("agentId").GetString(), Is.EqualTo("agent-1"));
            Assert.That(line.GetProperty("type").GetString(), Is.EqualTo("reaction"));
            Assert.That(line.GetProperty("reaction").GetString(), Is.EqualTo("like"));
            Assert.That(line.GetProperty("batchId").GetString(), Is.EqualTo("agent-1:1"));
            Assert.That(line.GetProperty("writer").GetString(), Is.EqualTo("flusher-test"));
            Assert.That(line.GetProperty("item").GetProperty("messageId").GetString(), Is.EqualTo("m-e-2"));
        });
    }

    [Test]
    public async Task RewritingABatch_AppendsItsLinesAgain_AndTheReaderCountsEachEventOnce()
    {
        var sink = Sink(Path.Combine(_dir, "feedback.jsonl"));
        var batch = Batch("agent-1:1", TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2"));

        await sink.WriteAsync([batch], CancellationToken.None);
        await sink.WriteAsync([batch], CancellationToken.None);

        var summary = await FileSinkReader.ReadAsync(sink.FilePath);
        Assert.Multiple(() =>
        {
            Assert.That(summary.Lines, Is.EqualTo(4));
            Assert.That(summary.DistinctEvents, Is.EqualTo(2));
            Assert.That(summary.Rewrites, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task TwoSinksOnOneFile_AsTwoProcessesWouldBe_NeverInterleaveLines()
    {
        string path = Path.Combine(_dir, "shared.jsonl");
        var sinks = new[] { Sink(path), Sink(path) };
        string bigText = new('x', 20_000);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => sinks[i % 2].WriteAsync(
            [Batch($"agent-{i}:1", [.. Enumerable.Range(0, 20).Select(e => Big(TestFeedback.Item($"agent-{i}", $"{i}-{e}"), bigText))])],
            CancellationToken.None))));

        var summary = await FileSinkReader.ReadAsync(path);
        Assert.Multiple(() =>
        {
            Assert.That(summary.TornLines, Is.Zero, "every 400 kB group was appended whole under the file lock");
            Assert.That(summary.Lines, Is.EqualTo(800));
            Assert.That(summary.DistinctEvents, Is.EqualTo(800));
        });
    }

    [Test]
    public async Task UnwritablePath_ReportsTheSinkUnavailable()
    {
        var sink = Sink(_dir); // a folder, not a file

        var results = await sink.WriteAsync([Batch("agent-1:1", TestFeedback.Item("agent-1", "e-1"))], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Outcome, Is.EqualTo(SinkOutcome.Unavailable));
            Assert.That(results.Single().Reason, Does.StartWith("file sink:"));
        });
    }

    private static FileFeedbackSink Sink(string path) =>
        new(Options.Create(new FlusherOptions { Sink = SinkKind.File, FilePath = path }), new FakeTimeProvider(TestStores.Start), NullLogger<FileFeedbackSink>.Instance);

    private static FeedbackBatch Batch(string batchId, params string[] items) => FeedbackBatch.Read(TestFeedback.Claimed(batchId, items));

    private static string Big(string item, string text) => item.Replace("\"thanks\"", $"\"{text}\"", StringComparison.Ordinal);
}
