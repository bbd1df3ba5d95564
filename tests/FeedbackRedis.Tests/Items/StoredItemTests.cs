using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Items;

public sealed class StoredItemTests
{
    [Test]
    public void Reaction_IsReadWithItsNameTimesAndWholeItem()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

        Assert.That(StoredItem.TryRead(TestFeedback.Item("agent-1", "e-1", "reaction", "thumbs_up", at), "agent-1", 3, out var read, out _), Is.True);
        var e = read!;

        Assert.Multiple(() =>
        {
            Assert.That(e.EventId, Is.EqualTo("e-1"));
            Assert.That(e.AgentId, Is.EqualTo("agent-1"));
            Assert.That(e.Type, Is.EqualTo(FeedbackType.Reaction));
            Assert.That(e.Reaction, Is.EqualTo("thumbs_up"));
            Assert.That(e.OccurredAt, Is.EqualTo(at));
            Assert.That(e.ReceivedAt, Is.EqualTo(at.AddSeconds(1)));
            Assert.That(e.Item.GetProperty("messageId").GetString(), Is.EqualTo("m-e-1"));
            Assert.That(e.ItemIndex, Is.EqualTo(3));
        });
    }

    [Test]
    public void MissingOptionalFields_AreTolerated()
    {
        Assert.That(StoredItem.TryRead("""{"eventId":"e-1","type":"reaction","occurredAt":"yesterday"}""", "agent-9", 0, out var read, out _), Is.True);
        var e = read!;

        Assert.Multiple(() =>
        {
            Assert.That(e.AgentId, Is.EqualTo("agent-9"), "the batch's agent stands in");
            Assert.That(e.Reaction, Is.EqualTo("unknown"));
            Assert.That(e.OccurredAt, Is.Null, "an unreadable time is no time");
            Assert.That(e.At, Is.Null);
        });
    }

    [TestCase("{not json", "not JSON")]
    [TestCase("[1,2]", "not an object")]
    [TestCase("""{"agentId":"a","type":"reply"}""", "no eventId")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"like"}""", "type 'like'")]
    [TestCase("""{"eventId":"e","type":"reply"}""", "names no agentId")]
    [TestCase("""{"eventId":"e","agentId":"a:b","type":"reply"}""", "agent id contains ':'")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"x":"\ud800"}}""", "not valid text")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"\ud800":1}}""", "field name is not valid text")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"n":1e400}}""", "not finite")]
    [TestCase("""{"eventId":"\udc00","agentId":"a","type":"reply"}""", "a string is not valid text")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","eventId":"f"}""", "'eventId' appears more than once")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","\u0007":1}""", "control character")]
    public void UnreadableItem_IsRefusedWithTheReason_NeverThrown(string item, string reason)
    {
        Assert.Multiple(() =>
        {
            Assert.That(StoredItem.TryRead(item, batchAgentId: null, 0, out var e, out string? problem), Is.False);
            Assert.That(e, Is.Null);
            Assert.That(problem, Does.Contain(reason));
        });
    }

    [Test]
    public void BatchRead_KeepsTheReadableItems_AndNamesTheUnreadableOnes()
    {
        var claim = TestFeedback.Claimed("agent-1:5", [TestFeedback.Item("agent-1", "e-1"), "oops", TestFeedback.Item("agent-1", "e-3")]);

        var batch = FeedbackBatch.Read(claim);

        Assert.Multiple(() =>
        {
            Assert.That(batch.Events.Select(e => (e.EventId, e.ItemIndex)), Is.EqualTo(new[] { ("e-1", 0), ("e-3", 2) }));
            Assert.That(batch.Unreadable.Select(u => u.ItemIndex), Is.EqualTo(new[] { 1 }));
            Assert.That(batch.Unreadable[0].Reason, Does.StartWith("unreadable item: not JSON"));
        });
    }

    [TestCase("{\"eventId\":\"e-1\",\"agentId\":\"a\"}", "e-1")]
    [TestCase("{\"agentId\":\"a\",\"nested\":{\"eventId\":\"inner\"},\"eventId\":\"outer\"}", "outer")]
    [TestCase("{\"eventId\":\"caf\\u00e9 \\\"quoted\\\"\"}", "café \"quoted\"")]
    public void EventIdOf_ReadsTheTopLevelEventId(string item, string expected)
    {
        Assert.That(StoredItem.EventIdOf(item), Is.EqualTo(expected));
    }

    [TestCase("{not json")]
    [TestCase("\"just a string\"")]
    [TestCase("[{\"eventId\":\"e-1\"}]")]
    [TestCase("{\"eventId\":42}")]
    [TestCase("{\"agentId\":\"a\",\"nested\":{\"eventId\":\"inner\"}}")]
    [TestCase("")]
    [TestCase("{\"eventId\":\"\\ud800\"}")]
    public void EventIdOf_IsNull_WhenTheItemHasNoTopLevelStringEventId(string item)
    {
        Assert.That(StoredItem.EventIdOf(item), Is.Null);
    }
}
