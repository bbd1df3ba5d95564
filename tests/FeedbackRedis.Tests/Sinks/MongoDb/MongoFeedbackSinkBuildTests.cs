using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>The sink's first step before any call: one event whose document cannot be built is refused alone. No server.</summary>
[Category(TestCategories.Unit)]
public sealed class MongoFeedbackSinkBuildTests
{
    [Test]
    public void AnEventWhoseDocumentCannotBeBuilt_IsRefusedAlone_WithTheReason_AndTheOthersGetTheirUpserts()
    {
        var batch = TestFeedback.Unchecked(TestFeedback.Claimed("agent-1:7",
        [
            TestFeedback.Item("agent-1", "e-1"),
            """{"eventId":"e-2","agentId":"agent-1","type":"reply","score":-1e400}""",
            """{"eventId":"e-3","agentId":"agent-1","type":"reply","meta":{"a\u0000":1}}""",
            TestFeedback.Item("agent-1", "e-4"),
        ]));
        var write = new GroupWrite([batch]);

        var models = batch.Events.Select(e => MongoFeedbackSink.EventUpsertOrReject(write, batch, e, DateTime.UnixEpoch)).ToList();

        var result = write.Results().Single();
        Assert.Multiple(() =>
        {
            Assert.That(models.Select(m => m is not null), Is.EqualTo(new[] { true, false, false, true }));
            Assert.That(result.Outcome, Is.EqualTo(SinkOutcome.Written));
            Assert.That(result.RejectedItems.Select(r => r.ItemIndex), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(result.RejectedItems[0].Reason, Is.EqualTo(
                "events: the document of event e-2 (item #1) cannot be built: field 'score' holds -1e400, which is not a finite double"));
            Assert.That(result.RejectedItems[1].Reason, Does.Contain("event e-3").And.Contain("field 'meta.a?' has a NUL character"));
            Assert.That(write.Kept(batch).Select(e => e.EventId), Is.EqualTo(new[] { "e-1", "e-4" }));
        });
    }
}
