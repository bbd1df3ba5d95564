using FeedbackRedis.Items;

namespace FeedbackRedis.Tests.Items;

public sealed class EventIdsTests
{
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
