using System.Text.Json;
using FeedbackRedis.Flushing;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Flushing;

public sealed class FlushedBatchMessageTests
{
    [Test]
    public void Json_HasTheDocumentedCamelCaseFields()
    {
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:42", [TestFeedback.Item("agent-7", "e-1"), TestFeedback.Item("agent-7", "e-2", "reaction", "like")]));
        var message = FlushedBatchMessage.From(batch, "mongodb", TestStores.Start.AddSeconds(11));

        using var json = JsonDocument.Parse(message.ToJson());
        var root = json.RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
            {
                "batchId", "agentId", "agentIds", "eventCount", "trigger", "firstEventAt", "lastEventAt", "eventIds",
                "openedAt", "sealedAt", "flushedAt", "attempt", "sink",
            }));
            Assert.That(root.GetProperty("batchId").GetString(), Is.EqualTo("agent-7:42"));
            Assert.That(root.GetProperty("trigger").GetString(), Is.EqualTo("size"));
            Assert.That(root.GetProperty("eventCount").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "e-1", "e-2" }));
            Assert.That(FlushedBatchMessage.FromJson(message.ToJson())!.EventIds, Is.EqualTo(message.EventIds));
            Assert.That(message.Key, Is.EqualTo("agent-7"));
        });
    }

    [Test]
    public void GlobalLaneBatch_HasNoAgentId_ListsItsAgents_AndIsKeyedByBatchId()
    {
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("#global-3:9", [TestFeedback.Item("b", "e-1"), TestFeedback.Item("a", "e-2"), TestFeedback.Item("b", "e-3")]));

        var message = FlushedBatchMessage.From(batch, "file", TestStores.Start);

        Assert.Multiple(() =>
        {
            Assert.That(message.AgentId, Is.Null);
            Assert.That(message.AgentIds, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(message.Key, Is.EqualTo("#global-3:9"));
            Assert.That(message.ToJson(), Does.Contain("\"agentId\":null"));
        });
    }
}
