using FeedbackRedis.Items;

namespace FeedbackRedis.Tests.Items;

[Category(TestCategories.Unit)]
public sealed class EventIdsTests
{
    [TestCase("e-1")]
    [TestCase("feedback.reply.received/3/1042")]
    [TestCase("MkU3OEVBNTcwNTJENDM2Qg/feedback.reply.received/3/1042")]
    public void Explain_IsNull_ForAValidId(string id)
    {
        Assert.That(EventIds.Explain(id), Is.Null);
    }

    [TestCase(null, "missing")]
    [TestCase("", "missing")]
    [TestCase("a\tb", "\\u0009")]
    [TestCase("e-1\u007f", "\\u007f")]
    public void Explain_SaysWhy(string? id, string expected)
    {
        Assert.That(EventIds.Explain(id), Does.Contain(expected));
    }

    [TestCase("with spaces and / slashes")]
    [TestCase("caf\u00e9 \u65e5\u672c \ud83d\udc4d")]
    public void Explain_IsNull_ForPrintableTextOfAnyScript(string id)
    {
        Assert.That(EventIds.Explain(id), Is.Null);
    }

    [Test]
    public void AnIdOfExactlyMaxLength_IsValid_AndOneMoreCharacterIsNot()
    {
        string atLimit = new('e', EventIds.MaxLength);

        Assert.Multiple(() =>
        {
            Assert.That(EventIds.MaxLength, Is.EqualTo(256));
            Assert.That(EventIds.Explain(atLimit), Is.Null);
            Assert.That(EventIds.Explain(atLimit + "f"), Is.EqualTo("event id is 257 characters long; at most 256 are allowed"));
        });
    }

    [Test]
    public void Fallback_IsSourceTopicPartitionOffset()
    {
        Assert.That(EventIds.Fallback("MkU3OEVBNTcwNTJENDM2Qg", "feedback.reaction.received", 3, 1234),
            Is.EqualTo("MkU3OEVBNTcwNTJENDM2Qg/feedback.reaction.received/3/1234"));
    }

    [Test]
    public void LongestFallback_IsTheLengthAtTheLargestPartitionAndOffset()
    {
        string longest = EventIds.Fallback("src", "topic", int.MaxValue, long.MaxValue);

        Assert.That(EventIds.LongestFallback("src", "topic"), Is.EqualTo(longest.Length));
    }

    [Test]
    public void Explain_NamesTheControlCharacter_WhereverItIs()
    {
        Assert.That(EventIds.Explain("abc\u0000"), Is.EqualTo("event id contains the control character \\u0000"));
    }
}
