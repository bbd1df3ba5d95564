using FeedbackRedis.Items;

namespace FeedbackRedis.Tests.Items;

public sealed class AgentIdsTests
{
    [TestCase("a")]
    [TestCase("agent-42")]
    [TestCase("Agent_1.v2")]
    [TestCase("6571c9f0e4b0a1b2c3d4e5f6")]
    public void Valid(string id)
    {
        Assert.That(AgentIds.IsValid(id), Is.True);
        Assert.That(AgentIds.Explain(id), Is.Null);
    }

    [TestCase(null, "missing")]
    [TestCase("", "missing")]
    [TestCase("a:b", "':' at position 1")]
    [TestCase("{a}", "'{' at position 0")]
    [TestCase("#global-1", "'#' at position 0")]
    [TestCase("a b", "'\\u0020' at position 1")]
    [TestCase("a*", "'*'")]
    [TestCase("a\nb", "'\\u000a'")]
    public void Invalid_SaysWhy(string? id, string expected)
    {
        Assert.That(AgentIds.IsValid(id), Is.False);
        Assert.That(AgentIds.Explain(id), Does.Contain(expected));
    }

    [Test]
    public void TooLong_IsInvalid()
    {
        Assert.That(AgentIds.IsValid(new string('a', 128)), Is.True);
        Assert.That(AgentIds.Explain(new string('a', 129)), Does.Contain("129 characters"));
    }
}
