using System.Text;
using System.Text.Json;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class EventClassifierTests
{
    private const int MaxItemBytes = 2048;
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 12, 0, 1, 234, TimeSpan.Zero);
    private static readonly FeedbackTopics Topics = new("fb.reply", "fb.reaction");
    private static readonly EventClassifier Classifier = new(Topics, MaxItemBytes, new SourceIdentity("cluster-1"));

    private static Classification Classify(string topic, string json, long offset = 42) =>
        Classify(topic, Encoding.UTF8.GetBytes(json), offset);

    private static Classification Classify(string topic, byte[]? value, long offset = 42) =>
        Classifier.Classify(new IncomingMessage(topic, 3, offset, value), ReceivedAt);

    [Test]
    public void EventId_GivenByTheProducer_IsTheEventId()
    {
        var c = Classify("fb.reply", """{"eventId":"e-9","agentId":"a-1","text":"t"}""");

        Assert.That(c.IsDeadLetter, Is.False);
        Assert.That(c.Event!.EventId, Is.EqualTo("e-9"));
        Assert.That(c.Event.AgentId, Is.EqualTo("a-1"));
    }

    [Test]
    public void EventId_WithoutOne_IsSourceTopicPartitionOffsetAndTheSameOnRedelivery()
    {
        var first = Classify("fb.reaction", """{"agentId":"a-1","reaction":"up"}""", offset: 1234);
        var again = Classifier.Classify(new IncomingMessage("fb.reaction", 3, 1234, Encoding.UTF8.GetBytes("""{"agentId":"a-1","reaction":"up"}""")), ReceivedAt.AddHours(1));

        Assert.That(first.Event!.EventId, Is.EqualTo("cluster-1/fb.reaction/3/1234"));
        Assert.That(again.Event!.EventId, Is.EqualTo(first.Event.EventId));
    }

    [Test]
    public void EventId_SameCoordinatesFromAnotherSource_IsAnotherEvent()
    {
        var value = Encoding.UTF8.GetBytes("""{"agentId":"a-1","reaction":"up"}""");
        var moved = new EventClassifier(Topics, MaxItemBytes, new SourceIdentity("cluster-2"));

        var before = Classifier.Classify(new IncomingMessage("fb.reaction", 3, 1234, value), ReceivedAt);
        var after = moved.Classify(new IncomingMessage("fb.reaction", 3, 1234, value), ReceivedAt);

        Assert.That(after.Event!.EventId, Is.EqualTo("cluster-2/fb.reaction/3/1234").And.Not.EqualTo(before.Event!.EventId));
    }

    [Test]
    public void EventId_GivenByTheProducer_DoesNotTakeTheSourceId()
    {
        var moved = new EventClassifier(Topics, MaxItemBytes, new SourceIdentity("cluster-2"));

        var c = moved.Classify(new IncomingMessage("fb.reply", 3, 7, Encoding.UTF8.GetBytes("""{"eventId":"e-9","agentId":"a-1","text":"t"}""")), ReceivedAt);

        Assert.That(c.Event!.EventId, Is.EqualTo("e-9"));
    }

    [Test]
    public void Classify_SourceIdNotYetKnown_HoldsTheMessageInsteadOfDeadLettering()
    {
        var early = new EventClassifier(Topics, MaxItemBytes, new SourceIdentity());

        var ex = Assert.Throws<InvalidOperationException>(() => early.Classify(
            new IncomingMessage("fb.reply", 3, 7, Encoding.UTF8.GetBytes("""{"agentId":"a-1","text":"t"}""")), ReceivedAt));

        Assert.That(ex!.Message, Does.Contain("source id is not known yet"));
    }

    [Test]
    public void Classify_LongestFallbackIdTheValidatorsAllow_IsAccepted()
    {
        string source = new('s', SourceIds.MaxLength);
        string topic = new('t', EventIds.MaxLength - EventIds.LongestFallback(source, ""));
        var longest = new EventClassifier(new FeedbackTopics(topic, "fb.reaction"), MaxItemBytes * 2, new SourceIdentity(source));

        var c = longest.Classify(new IncomingMessage(topic, int.MaxValue, long.MaxValue, Encoding.UTF8.GetBytes("""{"agentId":"a-1","text":"t"}""")), ReceivedAt);

        Assert.That(c.IsDeadLetter, Is.False, c.Detail);
        Assert.That(c.Event!.EventId, Has.Length.EqualTo(EventIds.MaxLength));
    }

    [Test]
    public void Item_IsNormalisedReadableJson_WithSourceAndArrival()
    {
        var c = Classify(
            "fb.reply",
            """{ "text": "Très utile 👍", "agentId": "a-1", "eventId": "e-1", "userId": "u-1", "occurredAt": "2026-11-23T13:00:00+01:00", "locale": "fr" }""");

        Assert.That(
            c.Event!.Item.AsJson(),
            Is.EqualTo("""{"eventId":"e-1","agentId":"a-1","type":"reply","topic":"fb.reply","partition":3,"offset":42,"userId":"u-1","text":"Très utile \uD83D\uDC4D","occurredAt":"2026-11-23T12:00:00.000Z","receivedAt":"2026-11-23T12:00:01.234Z","extra":{"locale":"fr"}}"""));
        Assert.That(
            JsonDocument.Parse(c.Event.Item).RootElement.GetProperty("text").GetString(),
            Is.EqualTo("Très utile 👍"),
            "accents stay as they are; characters beyond the BMP (emoji) are \\u-escaped by System.Text.Json and decode back");
    }

    [Test]
    public void Item_OfAReaction_CarriesTheReactionAndNoText()
    {
        var item = JsonDocument.Parse(Classify("fb.reaction", """{"agentId":"a","reaction":"heart","messageId":"m","conversationId":"c"}""").Event!.Item).RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(item.GetProperty("type").GetString(), Is.EqualTo("reaction"));
            Assert.That(item.GetProperty("reaction").GetString(), Is.EqualTo("heart"));
            Assert.That(item.GetProperty("messageId").GetString(), Is.EqualTo("m"));
            Assert.That(item.GetProperty("conversationId").GetString(), Is.EqualTo("c"));
            Assert.That(item.TryGetProperty("text", out _), Is.False);
            Assert.That(item.TryGetProperty("extra", out _), Is.False);
        });
    }

    [Test]
    public void Classify_MessageFromAnotherTopic_IsAnUnknownTopic()
    {
        var c = Classify("fb.other", """{"agentId":"a","text":"t"}""");

        Assert.That(c.Reason, Is.EqualTo(DeadLetterReason.UnknownTopic));
        Assert.That(c.Detail, Does.Contain("fb.other"));
    }

    [Test]
    public void Classify_AgentAndEventIds_AreCheckedWithTheBatchEnginesRules()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Classify("fb.reply", """{"agentId":"a b","text":"t"}""").Reason, Is.EqualTo(DeadLetterReason.InvalidAgentId));
            Assert.That(Classify("fb.reply", """{"agentId":"#global-1","text":"t"}""").Reason, Is.EqualTo(DeadLetterReason.InvalidAgentId));
            Assert.That(Classify("fb.reply", """{"agentId":"","text":"t"}""").Reason, Is.EqualTo(DeadLetterReason.InvalidAgentId));
            Assert.That(Classify("fb.reply", """{"agentId":"a","eventId":"x\ty","text":"t"}""").Reason, Is.EqualTo(DeadLetterReason.InvalidEventId));
        });
    }

    [Test]
    public void Classify_Size_IsCheckedOnTheMessageAndOnTheItemMadeFromIt()
    {
        var underButItemOver = Classify("fb.reply", $$"""{"agentId":"a","text":"{{new string('y', MaxItemBytes - 60)}}"}""");
        var over = Classify("fb.reply", $$"""{"agentId":"a","text":"{{new string('x', MaxItemBytes)}}"}""");
        var fits = Classify("fb.reply", $$"""{"agentId":"a","text":"{{new string('z', MaxItemBytes - 300)}}"}""");

        Assert.Multiple(() =>
        {
            Assert.That(over.Reason, Is.EqualTo(DeadLetterReason.TooLarge));
            Assert.That(over.Detail, Does.StartWith("the message is"));
            Assert.That(underButItemOver.Reason, Is.EqualTo(DeadLetterReason.TooLarge));
            Assert.That(underButItemOver.Detail, Does.StartWith("the item"));
            Assert.That(fits.IsDeadLetter, Is.False);
            Assert.That(fits.Event!.Item.Length, Is.LessThanOrEqualTo(MaxItemBytes));
        });
    }

    [Test]
    public void Classify_MessageOfExactlyMaxItemBytes_IsReadAndOneByteMoreIsTooLarge()
    {
        // white space pads the message; the item drops it, so only the message limit is at stake
        const string json = """{"agentId":"a","text":"t"}""";
        byte[] atLimit = Encoding.UTF8.GetBytes(json + new string(' ', MaxItemBytes - json.Length));
        byte[] overLimit = Encoding.UTF8.GetBytes(json + new string(' ', MaxItemBytes - json.Length + 1));

        var fits = Classify("fb.reply", atLimit);
        var over = Classify("fb.reply", overLimit);

        Assert.Multiple(() =>
        {
            Assert.That(atLimit, Has.Length.EqualTo(MaxItemBytes));
            Assert.That(fits.IsDeadLetter, Is.False, fits.Detail);
            Assert.That(over.Reason, Is.EqualTo(DeadLetterReason.TooLarge));
            Assert.That(over.Detail, Is.EqualTo("the message is 2,049 bytes; FEEDBACK_MAX_ITEM_BYTES allows 2,048"));
        });
    }

    [Test]
    public void Classify_ItemOfExactlyMaxItemBytes_IsAcceptedAndOneByteMoreIsTooLarge()
    {
        static string Message(int textLength) => $$"""{"agentId":"a","eventId":"e","text":"{{new string('t', textLength)}}"}""";
        int itemBytesForEmptyText = Classify("fb.reply", Message(0)).Event!.Item.Length;
        int textAtLimit = MaxItemBytes - itemBytesForEmptyText;

        var fits = Classify("fb.reply", Message(textAtLimit));
        var over = Classify("fb.reply", Message(textAtLimit + 1));

        Assert.Multiple(() =>
        {
            Assert.That(fits.IsDeadLetter, Is.False, fits.Detail);
            Assert.That(fits.Event!.Item.Length, Is.EqualTo(MaxItemBytes));
            Assert.That(over.Reason, Is.EqualTo(DeadLetterReason.TooLarge));
            Assert.That(over.Detail, Is.EqualTo("the item made from the message is 2,049 bytes; FEEDBACK_MAX_ITEM_BYTES allows 2,048"));
        });
    }

    [Test]
    public void Classify_IdsOfExactlyTheirMaximumLength_AreAcceptedAndOneCharacterMoreIsNot()
    {
        string agentId = new('a', 128);
        string eventId = new('e', 256);

        var fits = Classify("fb.reply", $$"""{"agentId":"{{agentId}}","eventId":"{{eventId}}","text":"t"}""");
        var agentOver = Classify("fb.reply", $$"""{"agentId":"{{agentId}}a","eventId":"{{eventId}}","text":"t"}""");
        var eventOver = Classify("fb.reply", $$"""{"agentId":"{{agentId}}","eventId":"{{eventId}}e","text":"t"}""");

        Assert.Multiple(() =>
        {
            Assert.That(fits.IsDeadLetter, Is.False, fits.Detail);
            Assert.That(fits.Event!.AgentId, Is.EqualTo(agentId));
            Assert.That(fits.Event.EventId, Is.EqualTo(eventId));
            Assert.That(agentOver.Reason, Is.EqualTo(DeadLetterReason.InvalidAgentId));
            Assert.That(agentOver.Detail, Is.EqualTo("agent id is 129 characters long; at most 128 are allowed"));
            Assert.That(eventOver.Reason, Is.EqualTo(DeadLetterReason.InvalidEventId));
            Assert.That(eventOver.Detail, Is.EqualTo("event id is 257 characters long; at most 256 are allowed"));
        });
    }

    [Test]
    public void Classify_ExceptionNoCheckForesaw_IsAnUnreadableDeadLetterNamingIt()
    {
        var broken = new EventClassifier(null!, MaxItemBytes, new SourceIdentity("cluster-1"));

        var c = broken.Classify(new IncomingMessage("fb.reply", 0, 0, Encoding.UTF8.GetBytes("""{"agentId":"a","text":"t"}""")), ReceivedAt);

        Assert.That(c.Reason, Is.EqualTo(DeadLetterReason.Unreadable));
        Assert.That(c.Detail, Does.StartWith("reading the message failed: NullReferenceException: "));
    }

    [Test]
    public void Classify_UnknownTopic_IsNamedInFullUpTo300Characters()
    {
        var shortName = Classify("fb.other", """{"agentId":"a","text":"t"}""");
        var longName = Classify(new string('t', 400), """{"agentId":"a","text":"t"}""");

        Assert.Multiple(() =>
        {
            Assert.That(shortName.Detail, Is.EqualTo("topic 'fb.other' is neither fb.reply nor fb.reaction"));
            Assert.That(longName.Reason, Is.EqualTo(DeadLetterReason.UnknownTopic));
            Assert.That(longName.Detail, Is.EqualTo("topic '" + new string('t', 293) + "..."));
        });
    }

    [TestCaseSource(nameof(MalformedKinds))]
    public void Classify_EveryKindOfMalformedMessage_GetsItsReason(FeedbackMessages.Malformed bad)
    {
        string topic = bad.Kind == FeedbackMessages.Reply ? "fb.reply" : "fb.reaction";

        var c = Classify(topic, bad.Value);

        Assert.That(c.IsDeadLetter, Is.True);
        Assert.That(c.Reason.Name(), Is.EqualTo(bad.Reason), c.Detail);
    }

    [TestCase("""{"agentId":"a-1","text":"x\ud800y"}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","text":"x\udc00"}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","eventId":"\ud800","text":"t"}""", "invalid-text")]
    [TestCase("""{"agentId":"\ud800","text":"t"}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","text":"t","\ud800":1}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","text":"t","x":{"\udfff":1}}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","text":"t","x":["\ud800"]}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","text":"t","a\u0001b":1}""", "invalid-text")]
    [TestCase("""{"agentId":"a-1","text":"t","x":1e400}""", "invalid-number")]
    [TestCase("""{"agentId":"a-1","text":"t","x":[-1e400]}""", "invalid-number")]
    [TestCase("""{"agentId":"a-1","text":"t","x":{"k":1,"k":2}}""", "wrong-shape")]
    [TestCase("""{"agentId":"a-1","text":"t","x":1,"x":2}""", "wrong-shape")]
    [TestCase("""{"agentId":"a-1","text":"t","occurredAt":"0001-01-01T00:00:00+05:00"}""", "wrong-shape")]
    public void Classify_HostileContentAnywhere_GetsANamedReason(string json, string reason)
    {
        var c = Classify("fb.reply", json);

        Assert.That(c.IsDeadLetter, Is.True);
        Assert.That(c.Reason.Name(), Is.EqualTo(reason), c.Detail);
    }

    [TestCase("""{"agentId":"a-1","text":"x\ud83d\ude00y","n":1e308,"m":-0,"t":4.9e-324,"big":123456789012345678901234567890}""")]
    [TestCase("""{"agentId":"a-1","text":"t","\u00e9\u65e5":"\u2028"}""")]
    public void Classify_UnusualButValidContent_IsAccepted(string json)
    {
        var c = Classify("fb.reply", json);

        Assert.That(c.IsDeadLetter, Is.False, c.Detail);
    }

    /// <summary>Depth limits on both sides: the message's own object is level 1.</summary>
    [TestCase(31, false)]
    [TestCase(32, false)]
    [TestCase(33, true)]
    [TestCase(64, true)]
    [TestCase(300, true)]
    public void Classify_Nesting_IsLimitedTo32Levels(int levels, bool tooDeep)
    {
        // the object is level 1, the field's array level 2, ...: levels - 1 arrays inside it
        string json = """{"agentId":"a-1","text":"t","x":""" + new string('[', levels - 1) + new string(']', levels - 1) + "}";

        var c = Classify("fb.reply", json);

        Assert.That(c.IsDeadLetter ? c.Reason.Name() : "accepted", Is.EqualTo(tooDeep ? "too-deep" : "accepted"), c.Detail);
    }

    [Test]
    public void Classify_AcceptedMessageAtTheDepthLimit_IsReadBackFromItsItem()
    {
        string json = """{"agentId":"a-1","text":"t","x":""" + new string('[', 31) + new string(']', 31) + "}";

        var c = Classify("fb.reply", json);

        Assert.That(FeedbackRedis.Items.StoredItem.TryRead(c.Event!.Item.AsJson(), null, 0, out _, out string? problem), Is.True, problem);
    }

    [Test]
    public void DeadLetterReason_EveryOne_HasAStableName()
    {
        Assert.That(
            Enum.GetValues<DeadLetterReason>().Select(r => r.Name()),
            Is.EqualTo(new[] { "not-json", "wrong-shape", "invalid-agent-id", "invalid-event-id", "too-large", "unsupported-version", "unknown-topic", "too-deep", "invalid-text", "invalid-number", "unreadable" }));
    }

    private static IEnumerable<FeedbackMessages.Malformed> MalformedKinds() => FeedbackMessages.AllKinds(MaxItemBytes);
}
