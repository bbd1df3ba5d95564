using FeedbackRedis.Items;

namespace FeedbackRedis.Tests.Items;

[Category(TestCategories.Unit)]
public sealed class AgentIdsTests
{
    [TestCase("a")]
    [TestCase("agent-42")]
    [TestCase("Agent_1.v2")]
    [TestCase("6571c9f0e4b0a1b2c3d4e5f6")]
    public void Valid_IsValidWithNoExplanation(string id)
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

    [Test]
    public void AnIdOfExactlyMaxLength_IsValid_AndOneMoreCharacterIsNot()
    {
        string atLimit = new('a', AgentIds.MaxLength);
        string overLimit = atLimit + "b";

        Assert.Multiple(() =>
        {
            Assert.That(AgentIds.MaxLength, Is.EqualTo(128));
            Assert.That(AgentIds.IsValid(atLimit), Is.True);
            Assert.That(AgentIds.Explain(atLimit), Is.Null);
            Assert.That(AgentIds.IsValid(overLimit), Is.False);
            Assert.That(AgentIds.Explain(overLimit), Is.EqualTo("agent id is 129 characters long; at most 128 are allowed"));
        });
    }

    [Test]
    public void Explain_NamesTheFirstBadCharacter_AndEscapesAnInvisibleOne()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AgentIds.Explain("ab:c"), Is.EqualTo("agent id contains ':' at position 2; only A-Z, a-z, 0-9, '_', '-' and '.' are allowed"));
            Assert.That(AgentIds.Explain("a\u0001b"), Does.StartWith("agent id contains '\\u0001' at position 1;"), "a control character that is not white space");
            Assert.That(AgentIds.Explain("a\u00a0b"), Does.StartWith("agent id contains '\\u00a0' at position 1;"), "white space that is not a control character");
            Assert.That(AgentIds.Explain("aé"), Does.StartWith("agent id contains 'é' at position 1;"), "a visible character is shown as itself");
        });
    }

    [Test]
    public void Lane_IsTheGlobalPrefixAndNumber_AndNoValidAgentIdIsALane()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AgentIds.Lane(0), Is.EqualTo("#global-0"));
            Assert.That(AgentIds.Lane(17), Is.EqualTo("#global-17"));
            Assert.That(AgentIds.IsLane(AgentIds.Lane(3)), Is.True);
            Assert.That(AgentIds.IsLane("agent-1"), Is.False);
            Assert.That(AgentIds.IsLane("x#global-1"), Is.False, "the prefix must open the name");
            Assert.That(AgentIds.IsLane("#GLOBAL-1"), Is.False, "ordinal, case-sensitive");
            Assert.That(AgentIds.IsValid(AgentIds.Lane(0)), Is.False);
        });
    }
}
