using FeedbackRedis.Sinks.File;

namespace FeedbackRedis.Tests.Sinks.File;

[Category(TestCategories.Unit)]
public sealed class FileSinkReaderTests
{
    [Test]
    public void Count_TakesEachEventIdOnce_PerAgentByType_AndNamesEachBatchsWriters()
    {
        string[] lines =
        [
            """{"eventId":"e1","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e2","agentId":"a","type":"reaction","reaction":"like","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e1","agentId":"a","type":"reply","batchId":"a:1","writer":"f2"}""",
            """{"eventId":"e3","agentId":"b","type":"reaction","reaction":"like","batchId":"b:2","writer":"f2"}""",
            """{"eventId":"e2","agentId":"a","type":"reaction","reaction":"like","batchId":"a:3","writer":"f2"}""",
        ];

        var summary = FileSinkReader.Count(lines);

        Assert.Multiple(() =>
        {
            Assert.That(summary.Lines, Is.EqualTo(5));
            Assert.That(summary.DistinctEvents, Is.EqualTo(3));
            Assert.That(summary.Rewrites, Is.EqualTo(2));
            Assert.That(summary.Agents["a"].Events, Is.EqualTo(2));
            Assert.That(summary.Agents["a"].Replies, Is.EqualTo(1));
            Assert.That(summary.Agents["a"].Reactions["like"], Is.EqualTo(1));
            Assert.That(summary.Agents["b"].Reactions["like"], Is.EqualTo(1));
            Assert.That(summary.WritersByBatch["a:1"], Is.EquivalentTo(new[] { "f1", "f2" }));
        });
    }

    [Test]
    public void TornLastLine_IsCountedAsTornAndSkipped()
    {
        var summary = FileSinkReader.Count(
        [
            """{"eventId":"e1","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e2","agentId":"a","ty""",
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(summary.Lines, Is.EqualTo(1));
            Assert.That(summary.TornLines, Is.EqualTo(1));
            Assert.That(summary.DistinctEvents, Is.EqualTo(1));
        });
    }

    [Test]
    public void Count_ALineThatIsNotAWholeObjectWithTheSinksFields_IsTorn_AndNothingOfItIsCounted()
    {
        var summary = FileSinkReader.Count(
        [
            """{"eventId":"e1","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e2","agentId":"a","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e3","agentId":"a","type":5,"batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e4","agentId":"a","type":"like","batchId":"a:1","writer":"f1"}""",
            """{"eventId":7,"agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e5","agentId":"a","type":"reply","writer":"f1"}""",
            """{"eventId":"e6","agentId":"a","type":"reply","batchId":"a:1"}""",
            """{"eventId":"e7\ud800","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e8","agentId":"a","type":"reply","batchId":"a:1","writer":"f1","item":{"text":"cut""",
            """["e9"]""",
            """{"eventId":"e10","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}{"eventId":"e11","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""",
            """{"eventId":"e12","agentId":"a","type":"reaction","reaction":"like","batchId":"a:2","writer":"f1"}""",
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(summary.EventIds, Is.EquivalentTo(new[] { "e1", "e12" }));
            Assert.That(summary.Lines, Is.EqualTo(2));
            Assert.That(summary.TornLines, Is.EqualTo(11));
            Assert.That(summary.Agents["a"].Events, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ReadAsync_AFragmentBetweenWholeLines_IsOneTornLine_AndTheLinesAroundItAreCounted()
    {
        string path = Path.Combine(Path.GetTempPath(), "feedback-reader-" + Guid.NewGuid().ToString("N"));
        await System.IO.File.WriteAllTextAsync(path,
            """{"eventId":"e1","agentId":"a","type":"reply","batchId":"a:1","writer":"f1"}""" + "\n"
            + """{"eventId":"e2","agentId":"a","ty""" + "\n"
            + """{"eventId":"e3","agentId":"a","type":"reply","batchId":"a:2","writer":"f1"}""" + "\n");
        try
        {
            var summary = await FileSinkReader.ReadAsync(path);

            Assert.Multiple(() =>
            {
                Assert.That(summary.EventIds, Is.EquivalentTo(new[] { "e1", "e3" }));
                Assert.That(summary.TornLines, Is.EqualTo(1));
            });
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Test]
    public async Task MissingFile_ReadsAsEmpty()
    {
        var summary = await FileSinkReader.ReadAsync(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")));

        Assert.That(summary.Lines + summary.DistinctEvents, Is.Zero);
    }
}
