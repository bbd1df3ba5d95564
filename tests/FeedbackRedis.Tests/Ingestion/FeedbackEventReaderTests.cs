using FeedbackRedis.Items;
using System.Text;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class FeedbackEventReaderTests
{
    private static FeedbackEvent? Read(string json, FeedbackType type, out Classification? failure) =>
        FeedbackEventReader.Read(Encoding.UTF8.GetBytes(json), type, out failure);

    [Test]
    public void Read_FullReply_IsReadFieldByField()
    {
        var e = Read(
            """{"version":1,"eventId":"e-1","agentId":"agent-7","messageId":"m-1","conversationId":"c-1","userId":"u-1","text":"Thanks, ça marche 👍","occurredAt":"2026-11-23T12:00:00+01:00"}""",
            FeedbackType.Reply,
            out var failure);

        Assert.That(failure, Is.Null);
        Assert.That(e, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(e!.Type, Is.EqualTo(FeedbackType.Reply));
            Assert.That(e.Version, Is.EqualTo(1));
            Assert.That(e.EventId, Is.EqualTo("e-1"));
            Assert.That(e.AgentId, Is.EqualTo("agent-7"));
            Assert.That(e.MessageId, Is.EqualTo("m-1"));
            Assert.That(e.ConversationId, Is.EqualTo("c-1"));
            Assert.That(e.UserId, Is.EqualTo("u-1"));
            Assert.That(e.Text, Is.EqualTo("Thanks, ça marche 👍"));
            Assert.That(e.Reaction, Is.Null);
            Assert.That(e.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero)));
            Assert.That(e.Extra, Is.Empty);
        });
    }

    [Test]
    public void Read_MinimalReaction_NeedsOnlyAgentIdAndReactionAndIsVersion1()
    {
        var e = Read("""{"agentId":"a","reaction":"thumbs_up"}""", FeedbackType.Reaction, out var failure);

        Assert.That(failure, Is.Null);
        Assert.Multiple(() =>
        {
            Assert.That(e!.Version, Is.EqualTo(1));
            Assert.That(e.EventId, Is.Null);
            Assert.That(e.Reaction, Is.EqualTo("thumbs_up"));
            Assert.That(e.OccurredAt, Is.Null);
        });
    }

    [Test]
    public void Read_NullOptionalFields_CountAsAbsent()
    {
        var e = Read("""{"agentId":"a","eventId":null,"userId":null,"occurredAt":null,"text":""}""", FeedbackType.Reply, out var failure);

        Assert.That(failure, Is.Null);
        Assert.That(e!.EventId, Is.Null);
        Assert.That(e.UserId, Is.Null);
        Assert.That(e.Text, Is.Empty, "an empty reply text is allowed");
    }

    [Test]
    public void Read_UnknownFields_AreKeptVerbatimInMessageOrder()
    {
        var e = Read(
            """{"agentId":"a","locale":"fr-FR","text":"t","meta":{"a":[1,2,{"b":null}]},"score": 4.5}""",
            FeedbackType.Reply,
            out _);

        Assert.That(e!.Extra.Select(x => x.Key), Is.EqualTo(new[] { "locale", "meta", "score" }));
        Assert.That(e.Extra.Select(x => Encoding.UTF8.GetString(x.Value.Span)), Is.EqualTo(new[] { "\"fr-FR\"", """{"a":[1,2,{"b":null}]}""", "4.5" }));
    }

    [Test]
    public void Read_TheOtherTopicsPayloadField_IsAnUnknownField()
    {
        var e = Read("""{"agentId":"a","reaction":"up","text":"also here"}""", FeedbackType.Reaction, out _);

        Assert.That(e!.Text, Is.Null);
        Assert.That(e.Extra.Single().Key, Is.EqualTo("text"));
    }

    [Test]
    public void Read_NewerVersion_IsUnsupportedEvenWhenItsShapeDiffers()
    {
        Read("""{"version":2,"agent":{"id":"a"}}""", FeedbackType.Reply, out var failure);

        Assert.That(failure!.Reason, Is.EqualTo(DeadLetterReason.UnsupportedVersion));
        Assert.That(failure.Detail, Does.Contain("version 2"));
    }

    [TestCase("", DeadLetterReason.NotJson)]
    [TestCase("   ", DeadLetterReason.NotJson)]
    [TestCase("{\"agentId\":\"a\",", DeadLetterReason.NotJson)]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\"}{}", DeadLetterReason.NotJson)]
    [TestCase("// comment\n{\"agentId\":\"a\",\"text\":\"t\"}", DeadLetterReason.NotJson)]
    [TestCase("[1] x", DeadLetterReason.NotJson)]
    [TestCase("[{\"agentId\":\"a\"}]", DeadLetterReason.WrongShape)]
    [TestCase("42", DeadLetterReason.WrongShape)]
    [TestCase("null", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\"}", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\",\"text\":null}", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\",\"text\":[\"t\"]}", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"text\":\"u\"}", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"messageId\":5}", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"occurredAt\":1700000000}", DeadLetterReason.WrongShape)]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"version\":1.5}", DeadLetterReason.WrongShape)]
    [TestCase("{\"text\":\"t\"}", DeadLetterReason.InvalidAgentId)]
    [TestCase("{\"agentId\":null,\"text\":\"t\"}", DeadLetterReason.InvalidAgentId)]
    [TestCase("{\"agentId\":{\"id\":\"a\"},\"text\":\"t\"}", DeadLetterReason.InvalidAgentId)]
    [TestCase("{\"agentId\":\"a\",\"eventId\":true,\"text\":\"t\"}", DeadLetterReason.InvalidEventId)]
    [TestCase("{\"version\":0,\"agentId\":\"a\",\"text\":\"t\"}", DeadLetterReason.UnsupportedVersion)]
    public void Read_BadReply_IsRefusedWithItsReason(string json, DeadLetterReason reason)
    {
        var e = Read(json, FeedbackType.Reply, out var failure);

        Assert.That(e, Is.Null);
        Assert.That(failure!.Reason, Is.EqualTo(reason), failure.Detail);
        Assert.That(failure.Detail, Is.Not.Empty);
    }

    [Test]
    public void Read_ReactionWithAnEmptyReaction_IsRefused()
    {
        Read("""{"agentId":"a","reaction":""}""", FeedbackType.Reaction, out var empty);
        Read("""{"agentId":"a","text":"t"}""", FeedbackType.Reaction, out var missing);

        Assert.That(empty!.Reason, Is.EqualTo(DeadLetterReason.WrongShape));
        Assert.That(missing!.Reason, Is.EqualTo(DeadLetterReason.WrongShape));
        Assert.That(missing.Detail, Does.Contain("reaction"));
    }

    [Test]
    public void Read_InvalidUtf8OrNoValue_IsNotJson()
    {
        FeedbackEventReader.Read(new byte[] { 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d }, FeedbackType.Reply, out var badUtf8);
        FeedbackEventReader.Read(ReadOnlyMemory<byte>.Empty, FeedbackType.Reply, out var none);

        Assert.That(badUtf8!.Reason, Is.EqualTo(DeadLetterReason.NotJson));
        Assert.That(badUtf8.Detail, Does.Contain("UTF-8"));
        Assert.That(none!.Reason, Is.EqualTo(DeadLetterReason.NotJson));
    }

    [TestCase("[1]", "the value is a JSON array, not an object")]
    [TestCase("\"s\"", "the value is a JSON string, not an object")]
    [TestCase("4.5", "the value is a JSON number, not an object")]
    [TestCase("true", "the value is a JSON boolean, not an object")]
    [TestCase("false", "the value is a JSON boolean, not an object")]
    [TestCase("null", "the value is a JSON null, not an object")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"version\":\"1\"}", "version must be a whole number, not a string")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"version\":2147483648}", "version must be a whole number, not a number")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"version\":7}", "version 7 is not supported; this consumer reads version 1")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"messageId\":{}}", "messageId must be a string, not a object")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"conversationId\":[]}", "conversationId must be a string, not a array")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"userId\":false}", "userId must be a string, not a boolean")]
    [TestCase("{\"agentId\":\"a\",\"text\":true}", "text must be a string, not a boolean")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"occurredAt\":\"soon\"}", "occurredAt must be an ISO-8601 date-time string such as 2026-11-23T12:00:00Z")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"messageId\":\"m\",\"messageId\":\"m\"}", "the field 'messageId' appears more than once")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"x\":1,\"x\":1}", "the field 'x' appears more than once")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"x\":{\"k\":1,\"k\":1}}", "the field 'k' (in 'x') appears more than once")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"x\":[{\"k\":1},{\"k\":1}]}", null)]
    [TestCase("{\"agentId\":\"a\"}", "a reply needs a 'text' string")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"x\":1e400}", "the number 1e400 (in 'x') is not finite as a double")]
    [TestCase("[-1e400]", "the number -1e400 is not finite as a double")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"x\":[\"\\ud800\"]}", "a string (in 'x') holds a lone UTF-16 surrogate escape")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"\\udc00\"}", "a string (in 'text') holds a lone UTF-16 surrogate escape")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"\\ud800\":1}", "a string holds a lone UTF-16 surrogate escape")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"a\\u0001\":1}", "a field name contains the control character \\u0001")]
    [TestCase("{\"agentId\":\"a\",\"text\":\"t\",\"x\":{\"\\u001f\":1}}", "a field name (in 'x') contains the control character \\u001f")]
    [TestCase("{\"text\":\"t\"}", "agentId is missing")]
    [TestCase("{\"agentId\":7,\"text\":\"t\"}", "agentId must be a string, not a number")]
    [TestCase("{\"agentId\":\"a\",\"eventId\":[],\"text\":\"t\"}", "eventId must be a string, not a array")]
    public void Read_BadReply_GetsTheExactDetail(string json, string? detail)
    {
        var e = Read(json, FeedbackType.Reply, out var failure);

        if (detail is null)
        {
            Assert.That(failure, Is.Null, "the same name in two different objects is no repeat");
            Assert.That(e, Is.Not.Null);
        }
        else
        {
            Assert.That(e, Is.Null);
            Assert.That(failure?.Detail, Is.EqualTo(detail));
        }
    }

    [TestCase("{\"agentId\":\"a\"}", "a reaction needs a 'reaction' string")]
    [TestCase("{\"agentId\":\"a\",\"reaction\":\" \\t \"}", "reaction is empty or only white space")]
    public void Read_BadReaction_GetsTheExactDetail(string json, string detail)
    {
        Assert.That(Read(json, FeedbackType.Reaction, out var failure), Is.Null);
        Assert.That(failure?.Reason, Is.EqualTo(DeadLetterReason.WrongShape));
        Assert.That(failure?.Detail, Is.EqualTo(detail));
    }

    [TestCase("   ")]
    [TestCase("\n\t")]
    public void Read_WhiteSpaceAlone_IsNotJsonAsTheParserSays(string json)
    {
        Read(json, FeedbackType.Reply, out var failure);

        Assert.That(failure?.Reason, Is.EqualTo(DeadLetterReason.NotJson));
        Assert.That(failure?.Detail, Does.StartWith("the value is not JSON: The input does not contain any JSON tokens."));
    }

    [Test]
    public void Read_ReplyTextOfOnlyWhiteSpace_IsAReply()
    {
        var e = Read("""{"agentId":"a","text":" \t "}""", FeedbackType.Reply, out var failure);

        Assert.That(failure, Is.Null);
        Assert.That(e!.Text, Is.EqualTo(" \t "));
    }

    /// <summary>Which problem wins when a message has several: version, then content, then shape, then payload, then agent, then event id.</summary>
    [TestCase("""{"agentId":"a","text":"t","x":1e400,"version":2}""", DeadLetterReason.UnsupportedVersion)]
    [TestCase("""{"agentId":"a","text":"t","x":1e400,"version":"v"}""", DeadLetterReason.WrongShape)]
    [TestCase("""{"agentId":"a","text":"t","x":1,"x":1,"y":1e400}""", DeadLetterReason.InvalidNumber)]
    [TestCase("""{"agentId":"a","text":"t","messageId":1e400}""", DeadLetterReason.InvalidNumber)]
    [TestCase("""{"agentId":"a","text":"t","occurredAt":[1e400]}""", DeadLetterReason.InvalidNumber)]
    [TestCase("""{"agentId":7}""", DeadLetterReason.WrongShape)]
    [TestCase("""{"agentId":7,"eventId":7,"text":"t"}""", DeadLetterReason.InvalidAgentId)]
    [TestCase("""{"eventId":7,"text":"t"}""", DeadLetterReason.InvalidAgentId)]
    [TestCase("""{"agentId":"a","text":"t","x":1e400""", DeadLetterReason.NotJson)]
    public void Read_SeveralProblems_TheFirstByRankIsTheReason(string json, DeadLetterReason reason)
    {
        Read(json, FeedbackType.Reply, out var failure);

        Assert.That(failure?.Reason, Is.EqualTo(reason), failure?.Detail);
    }

    [Test]
    public void Read_TooDeepValue_IsSkippedWholeSoTheFieldsAfterItAreStillRead()
    {
        string deep = new string('[', ItemLimits.MaxMessageDepth) + new string(']', ItemLimits.MaxMessageDepth);

        Read($$"""{"agentId":"a","text":"t","x":{{deep}},"version":2}""", FeedbackType.Reply, out var failure);

        Assert.That(failure?.Reason, Is.EqualTo(DeadLetterReason.UnsupportedVersion), failure?.Detail);
    }

    /// <summary>Depth at the limit and one past it, for arrays and objects, inside a field and at the top.</summary>
    [TestCase(32, null)]
    [TestCase(33, "the value nests deeper than 32 levels (in 'x')")]
    public void Read_NestingOfObjects_IsLimitedLikeArrays(int levels, string? detail)
    {
        // the message is level 1, "x" holds levels - 1 nested objects
        string nested = string.Concat(Enumerable.Repeat("{\"k\":", levels - 2)) + "{}" + new string('}', levels - 2);

        var e = Read($$"""{"agentId":"a","text":"t","x":{{nested}}}""", FeedbackType.Reply, out var failure);

        Assert.That(failure?.Detail, Is.EqualTo(detail));
        Assert.That(e is null, Is.EqualTo(detail is not null));
    }

    [TestCase(32, DeadLetterReason.WrongShape)]
    [TestCase(33, DeadLetterReason.TooDeep)]
    public void Read_TopLevelArray_IsCheckedForDepthBeforeItsShape(int levels, DeadLetterReason reason)
    {
        Read(new string('[', levels) + new string(']', levels), FeedbackType.Reply, out var failure);

        Assert.That(failure?.Reason, Is.EqualTo(reason), failure?.Detail);
    }

    [Test]
    public void Truncate_Keeps300Characters_AndMarksTheCut()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FeedbackEventReader.Truncate(new string('d', 300)), Is.EqualTo(new string('d', 300)));
            Assert.That(FeedbackEventReader.Truncate(new string('d', 301)), Is.EqualTo(new string('d', 300) + "..."));
            Assert.That(FeedbackEventReader.Truncate(""), Is.Empty);
        });
    }

    [Test]
    public void Read_LongDetail_IsTruncated()
    {
        string name = new('n', 400);

        Read($$"""{"agentId":"a","text":"t","{{name}}":1,"{{name}}":2}""", FeedbackType.Reply, out var failure);

        Assert.That(failure?.Detail, Is.EqualTo("the field '" + new string('n', 289) + "..."));
    }

    [Test]
    public void Read_EveryKnownField_IsReadOnItsTopicAndTheRestKeptInOrder()
    {
        var e = Read(
            """{"reaction":"up","version":1,"userId":"u","conversationId":"c","messageId":"m","occurredAt":"2026-11-23T12:00:00Z","eventId":"e","agentId":"a","text":"t","z":null}""",
            FeedbackType.Reaction,
            out var failure);

        Assert.That(failure, Is.Null);
        Assert.Multiple(() =>
        {
            Assert.That(e!.Reaction, Is.EqualTo("up"));
            Assert.That(e.Text, Is.Null);
            Assert.That(e.UserId, Is.EqualTo("u"));
            Assert.That(e.ConversationId, Is.EqualTo("c"));
            Assert.That(e.MessageId, Is.EqualTo("m"));
            Assert.That(e.EventId, Is.EqualTo("e"));
            Assert.That(e.AgentId, Is.EqualTo("a"));
            Assert.That(e.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)));
            Assert.That(e.Extra.Select(x => (x.Key, Encoding.UTF8.GetString(x.Value.Span))), Is.EqualTo(new[] { ("text", "\"t\""), ("z", "null") }));
        });
    }

    /// <summary>Of several problems of one rank, the first in the message is the one named.</summary>
    [TestCase("""{"agentId":"a","text":"t","x":1,"x":1,"y":1,"y":1}""", "the field 'x' appears more than once")]
    [TestCase("""{"agentId":"a","text":"t","userId":"u","userId":"u","messageId":"m","messageId":"m"}""", "the field 'userId' appears more than once")]
    [TestCase("""{"agentId":"a","text":"t","x":{"k":1,"k":1,"j":1,"j":1}}""", "the field 'k' (in 'x') appears more than once")]
    [TestCase("""{"agentId":"a","text":"t","userId":5,"occurredAt":"soon"}""", "userId must be a string, not a number")]
    [TestCase("""{"agentId":"a","text":"t","userId":5,"messageId":6}""", "userId must be a string, not a number")]
    [TestCase("""{"agentId":"a","text":"t","x":1e400,"y":"\ud800"}""", "the number 1e400 (in 'x') is not finite as a double")]
    public void Read_SeveralProblems_TheFirstInTheMessageIsNamed(string json, string detail)
    {
        Read(json, FeedbackType.Reply, out var failure);

        Assert.That(failure?.Detail, Is.EqualTo(detail));
    }

    [Test]
    public void Read_RepeatedKnownField_IsStillCheckedWhole()
    {
        Read("""{"agentId":"a","text":"t","text":[1e400]}""", FeedbackType.Reply, out var failure);

        Assert.That(failure?.Reason, Is.EqualTo(DeadLetterReason.InvalidNumber), failure?.Detail);
    }

    [Test]
    public void Read_EqualValuesInAnArray_AreNoRepeatedNames()
    {
        var e = Read("""{"agentId":"a","text":"t","x":["a","a",1,1]}""", FeedbackType.Reply, out var failure);

        Assert.That(failure, Is.Null, failure?.Detail);
        Assert.That(Encoding.UTF8.GetString(e!.Extra.Single().Value.Span), Is.EqualTo("""["a","a",1,1]"""));
    }

    [TestCase("""{"agentId":"a","reaction":5}""", "reaction must be a string, not a number")]
    [TestCase("""{"agentId":"a","reaction":"up","reaction":"up"}""", "the field 'reaction' appears more than once")]
    [TestCase("""{"agentId":"a","reaction":"up","text":1,"text":2}""", "the field 'text' appears more than once")]
    public void Read_ProblemsOfAReactionsField_NameTheReactionField(string json, string detail)
    {
        Read(json, FeedbackType.Reaction, out var failure);

        Assert.That(failure?.Detail, Is.EqualTo(detail));
    }

    [Test]
    public void Read_RepeatedTextOfAReply_IsNamed()
    {
        Read("""{"agentId":"a","text":"t","text":"t"}""", FeedbackType.Reply, out var failure);

        Assert.That(failure?.Detail, Is.EqualTo("the field 'text' appears more than once"));
    }
}
