using FeedbackRedis.Items;

namespace FeedbackRedis.Tests.Batching;

public sealed class EventIdsTests
{
    [TestCase("{\"eventId\":\"e-1\",\"agentId\":\"a\"}", "e-1")]
    [TestCase("{\"agentId\":\"a\",\"nested\":{\"eventId\":\"inner\"},\"eventId\":\"outer\"}", "outer")]
    [TestCase("{\"eventId\":\"caf\\u00e9 \\\"quoted\\\"\"}", "café \"quoted\"")]
    public void Of_ReadsTheTopLevelEventId(string item, string expected)
    {
        Assert.That(EventIds.Of(item), Is.EqualTo(expected));
    }

    [TestCase("{not json")]
    [TestCase("\"just a string\"")]
    [TestCase("[{\"eventId\":\"e-1\"}]")]
    [TestCase("{\"eventId\":42}")]
    [TestCase("{\"agentId\":\"a\",\"nested\":{\"eventId\":\"inner\"}}")]
    [TestCase("")]
    public void Of_IsNull_WhenTheItemHasNoTopLevelStringEventId(string item)
    {
        Assert.That(EventIds.Of(item), Is.Null);
    }

    [TestCase("e-1")]
    [TestCase("feedback.reply.received/3/1042")]
    public void Explain_IsNull_ForAValidId(string id)
    {
        Assert.That(EventIds.Explain(id), Is.Null);
    }

    [TestCase("", "missing")]
    [TestCase("a\tb", "\\u0009")]
    public void Explain_SaysWhy(string id, string expected)
    {
        Assert.That(EventIds.Explain(id), Does.Contain(expected));
    }
}
