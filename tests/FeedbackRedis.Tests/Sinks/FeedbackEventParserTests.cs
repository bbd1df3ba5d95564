using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Sinks;

public sealed class FeedbackEventParserTests
{
    [Test]
    public void Reaction_IsReadWithItsNameTimesAndWholeItem()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

        var e = FeedbackEventParser.ParseItem(TestFeedback.Item("agent-1", "e-1", "reaction", "thumbs_up", at), "agent-1");

        Assert.Multiple(() =>
        {
            Assert.That(e.EventId, Is.EqualTo("e-1"));
            Assert.That(e.AgentId, Is.EqualTo("agent-1"));
            Assert.That(e.Type, Is.EqualTo(FeedbackType.Reaction));
            Assert.That(e.Reaction, Is.EqualTo("thumbs_up"));
            Assert.That(e.OccurredAt, Is.EqualTo(at));
            Assert.That(e.ReceivedAt, Is.EqualTo(at.AddSeconds(1)));
            Assert.That(e.Item.GetProperty("messageId").GetString(), Is.EqualTo("m-e-1"));
        });
    }

    [Test]
    public void MissingOptionalFields_AreTolerated()
    {
        var e = FeedbackEventParser.ParseItem("""{"eventId":"e-1","type":"reaction","occurredAt":"yesterday"}""", "agent-9");

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
    public void UnreadableItem_ThrowsWithTheReason(string item, string reason)
    {
        var ex = Assert.Throws<InvalidFeedbackItemException>(() => FeedbackEventParser.ParseItem(item, batchAgentId: null));

        Assert.That(ex!.Message, Does.Contain(reason));
    }

    [Test]
    public void Parse_NamesTheItemAndTheBatch_WhenOneItemIsUnreadable()
    {
        var claim = TestFeedback.Claimed("agent-1:5", [TestFeedback.Item("agent-1", "e-1"), "oops"]);

        var ex = Assert.Throws<InvalidFeedbackItemException>(() => FeedbackEventParser.Parse(claim));

        Assert.That(ex!.Message, Does.StartWith("item #1 of batch agent-1:5: not JSON"));
    }
}
