using System.Text.Json;
using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Sinks.File;

[Category(TestCategories.Unit)]
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

    [Test]
    public async Task Write_WhenTheDiskFillsPartWay_ReportsUnavailableAndCutsItsBytesOff_TheRetriedGroupReadsBackWhole()
    {
        string path = Path.Combine(_dir, "feedback.jsonl");
        var sink = Sink(path);
        await sink.WriteAsync([Batch("agent-1:1", TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-2"))], CancellationToken.None);
        byte[] before = await System.IO.File.ReadAllBytesAsync(path);
        var full = new FileFeedbackSink(new FileSinkOptions(path), new FakeTimeProvider(TestStores.Start), NullLogger<FileFeedbackSink>.Instance)
        {
            FileWrite = AppendOnlyFileTests.FailAfter(700, 28), // ENOSPC after 700 bytes: inside the second line
        };
        FeedbackBatch[] group =
        [
            Batch("agent-2:1", TestFeedback.Item("agent-2", "e-3"), TestFeedback.Item("agent-2", "e-4"), TestFeedback.Item("agent-2", "e-5")),
            Batch("agent-3:1", TestFeedback.Item("agent-3", "e-6", "reaction", "like")),
        ];

        var failed = await full.WriteAsync(group, CancellationToken.None);
        byte[] afterTheFailure = await System.IO.File.ReadAllBytesAsync(path);
        var retried = await sink.WriteAsync(group, CancellationToken.None);

        var summary = await FileSinkReader.ReadAsync(path);
        Assert.Multiple(() =>
        {
            Assert.That(failed.Select(r => r.Outcome), Is.All.EqualTo(SinkOutcome.Unavailable), "each batch is given back, to be written again");
            Assert.That(failed[0].Reason, Does.Contain("errno 28"));
            Assert.That(afterTheFailure, Is.EqualTo(before), "the part-written lines were truncated away");
            Assert.That(retried.Select(r => r.Outcome), Is.All.EqualTo(SinkOutcome.Written));
            Assert.That(summary.EventIds, Is.EquivalentTo(new[] { "e-1", "e-2", "e-3", "e-4", "e-5", "e-6" }));
            Assert.That(summary.Lines, Is.EqualTo(6));
            Assert.That(summary.TornLines, Is.Zero);
        });
    }

    [Test]
    public async Task Write_AfterAWriterWasKilledMidLine_TheNextGroupsEventsAllReadBack_AndTheFragmentIsOneTornLine()
    {
        string path = Path.Combine(_dir, "feedback.jsonl");
        var sink = Sink(path);
        await sink.WriteAsync([Batch("agent-1:1", TestFeedback.Item("agent-1", "e-1"))], CancellationToken.None);
        // What a flusher killed inside its write leaves: the first part of its group, no newline at the end.
        var killed = Sink(Path.Combine(_dir, "killed.jsonl"));
        await killed.WriteAsync([Batch("agent-9:1", TestFeedback.Item("agent-9", "e-9"))], CancellationToken.None);
        byte[] whole = await System.IO.File.ReadAllBytesAsync(killed.FilePath);
        byte[] fragment = whole[..(whole.Length / 2)];
        await using (var file = new FileStream(path, FileMode.Append))
        {
            await file.WriteAsync(fragment);
        }

        var results = await sink.WriteAsync(
            [Batch("agent-2:1", TestFeedback.Item("agent-2", "e-2"), TestFeedback.Item("agent-2", "e-3"))], CancellationToken.None);

        var lines = await System.IO.File.ReadAllLinesAsync(path);
        var summary = await FileSinkReader.ReadAsync(path);
        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(lines, Has.Length.EqualTo(4));
            Assert.That(lines[1], Is.EqualTo(System.Text.Encoding.UTF8.GetString(fragment)), "the fragment is a line of its own");
            Assert.That(summary.EventIds, Is.EquivalentTo(new[] { "e-1", "e-2", "e-3" }), "the first line after the fragment is not swallowed");
            Assert.That(summary.Lines, Is.EqualTo(3));
            Assert.That(summary.TornLines, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Write_WhenOneEventsLineCannotBeWritten_RefusesThatItemAlone_AndWritesEveryOtherLineWhole()
    {
        var sink = Sink(Path.Combine(_dir, "feedback.jsonl"));
        // "\ud800" is a lone surrogate escape: JsonDocument reads it, but the JSON writer cannot re-encode it.
        string unwritable = TestFeedback.Item("agent-1", "e-2").Replace("\"thanks\"", "\"half \\ud800 a pair\"", StringComparison.Ordinal);
        // The item reader refuses such an item (it is quarantined before any sink sees it); a sink must still hold
        // its own against an event it cannot write, so the event is made by hand here.
        var read = Batch("agent-1:1", TestFeedback.Item("agent-1", "e-1"), TestFeedback.Item("agent-1", "e-3", "reaction", "like"));
        var handMade = new ClaimedEvent("e-2", "agent-1", FeedbackType.Reply, null, null, null, JsonDocument.Parse(unwritable).RootElement.Clone(), 1);
        var batch = read with { Events = [read.Events[0], handMade, read.Events[1] with { ItemIndex = 2 }] };
        var other = Batch("agent-2:1", TestFeedback.Item("agent-2", "e-4"));
        var expected = Assert.Catch(() =>
        {
            using var json = new Utf8JsonWriter(Stream.Null);
            batch.Events[1].Item.WriteTo(json);
        });

        var results = await sink.WriteAsync([batch, other], CancellationToken.None);

        var summary = await FileSinkReader.ReadAsync(sink.FilePath);
        var refused = results[0].RejectedItems;
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(SinkOutcome.Written));
            Assert.That(refused, Has.Count.EqualTo(1));
            Assert.That(refused[0].ItemIndex, Is.EqualTo(1));
            Assert.That(refused[0].Reason, Does.Contain("e-2").And.Contain(expected!.Message));
            Assert.That(results[1].RejectedItems, Is.Empty);
            Assert.That(summary.EventIds, Is.EquivalentTo(new[] { "e-1", "e-3", "e-4" }));
            Assert.That(summary.TornLines, Is.Zero, "no partial bytes of the refused line are left in the file");
        });
    }

    [Test]
    public async Task WriteThenRead_UnusualButValidContent_ReadsBackExactlyWhatWasWritten()
    {
        var sink = Sink(Path.Combine(_dir, "feedback.jsonl"));
        string[] ids = ["e-\"quoted\"-é-日本-😀", "e-\\back\\slash-</script>-\u2028", "e-{\"not\":\"json\"}"];
        string[] items =
        [
            Unusual("agent_X.1-a", ids[0], "reply", null, "line one\nline two\t\"tab\" \u0001"),
            Unusual("agent_X.1-a", ids[1], "reaction", "👍 \"thumbs\" up", "ünïcödé"),
            Unusual("agent_X.1-a", ids[2], "reaction", "like", ""),
        ];
        var batch = Batch("agent_X.1-a:7", items);

        var results = await sink.WriteAsync([batch], CancellationToken.None);

        var lines = await System.IO.File.ReadAllLinesAsync(sink.FilePath);
        var summary = await FileSinkReader.ReadAsync(sink.FilePath);
        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(lines, Has.Length.EqualTo(3), "no raw line break inside a line");
            Assert.That(summary.TornLines, Is.Zero);
            Assert.That(summary.EventIds, Is.EquivalentTo(ids));
            Assert.That(summary.Agents["agent_X.1-a"].Replies, Is.EqualTo(1));
            Assert.That(summary.Agents["agent_X.1-a"].Reactions, Is.EquivalentTo(new Dictionary<string, long> { ["👍 \"thumbs\" up"] = 1, ["like"] = 1 }));
            Assert.That(summary.WritersByBatch["agent_X.1-a:7"], Is.EquivalentTo(new[] { "flusher-test" }));
            for (int i = 0; i < lines.Length; i++)
            {
                using var line = JsonDocument.Parse(lines[i]);
                using var original = JsonDocument.Parse(items[i]);
                Assert.That(line.RootElement.GetProperty("eventId").GetString(), Is.EqualTo(ids[i]));
                Assert.That(JsonElement.DeepEquals(line.RootElement.GetProperty("item"), original.RootElement), Is.True, $"item {i} read back whole");
            }
        });
    }

    private static string Unusual(string agentId, string eventId, string type, string? reaction, string text) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["eventId"] = eventId,
            ["agentId"] = agentId,
            ["type"] = type,
            ["reaction"] = reaction,
            ["occurredAt"] = TestStores.Start.ToString("O"),
            ["text"] = text,
            ["we\"ird key ✓"] = "v",
            ["extra"] = new Dictionary<string, object?>
            {
                ["deep"] = new object?[] { 1, new Dictionary<string, object?> { ["x"] = "ü\\\"" }, null, true },
                ["big"] = 12345678901234567890m,
                ["small"] = -1.5e-300,
                ["empty"] = new Dictionary<string, object?>(),
            },
        });

    private static FileFeedbackSink Sink(string path) =>
        new(new FileSinkOptions(path), new FakeTimeProvider(TestStores.Start), NullLogger<FileFeedbackSink>.Instance);

    private static FeedbackBatch Batch(string batchId, params string[] items) => FeedbackBatch.Read(TestFeedback.Claimed(batchId, items));

    private static string Big(string item, string text) => item.Replace("\"thanks\"", $"\"{text}\"", StringComparison.Ordinal);
}
