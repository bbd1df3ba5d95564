using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Items;

[Category(TestCategories.Unit)]
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

    [TestCase("[1,2]", "a JSON array, not an object")]
    [TestCase("42", "a JSON number, not an object")]
    [TestCase("""{"eventId":"","agentId":"a","type":"reply"}""", "event id is missing or empty")]
    [TestCase("""{"eventId":"e\u0001","agentId":"a","type":"reply"}""", "event id contains the control character \\u0001")]
    [TestCase("""{"eventId":"e","agentId":"\ud800","type":"reply"}""", "a string is not valid text (a lone UTF-16 surrogate)")]
    [TestCase("""{"eventId":"e","agentId":"a b","type":"reply"}""", "event e: agent id contains '\\u0020' at position 1; only A-Z, a-z, 0-9, '_', '-' and '.' are allowed")]
    [TestCase("""{"eventId":"e","agentId":"a"}""", "event e has type '(none)'; expected 'reply' or 'reaction'")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"a\u0001b":1}}""", "a field name holds a control character")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"x":{"y":"\ud800"}}}""", "a string is not valid text (a lone UTF-16 surrogate)")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"x":[1,"\ud800"]}}""", "a string is not valid text (a lone UTF-16 surrogate)")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"x":[true,-1e400]}}""", "the number -1e400 is not finite")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reply","extra":{"\ud800":1}}""", "a field name is not valid text (a lone UTF-16 surrogate)")]
    public void UnreadableItem_GivesTheExactProblem(string item, string problem)
    {
        Assert.That(StoredItem.TryRead(item, batchAgentId: "batch-agent", 0, out _, out string? actual), Is.False);
        Assert.That(actual, Is.EqualTo(problem));
    }

    [Test]
    public void AnItemWithIdsAtTheirMaximumLength_IsRead_AndOneCharacterMoreIsNot()
    {
        string eventId = new('e', EventIds.MaxLength);
        string agentId = new('a', AgentIds.MaxLength);

        Assert.Multiple(() =>
        {
            Assert.That(StoredItem.TryRead(Item(eventId, agentId), null, 0, out var read, out string? problem), Is.True, problem);
            Assert.That(read?.EventId, Is.EqualTo(eventId));
            Assert.That(read?.AgentId, Is.EqualTo(agentId));
            Assert.That(StoredItem.TryRead(Item(eventId + "e", agentId), null, 0, out _, out string? longEvent), Is.False);
            Assert.That(longEvent, Is.EqualTo("event id is 257 characters long; at most 256 are allowed"));
            Assert.That(StoredItem.TryRead(Item(eventId, agentId + "a"), null, 0, out _, out string? longAgent), Is.False);
            Assert.That(longAgent, Is.EqualTo($"event {eventId}: agent id is 129 characters long; at most 128 are allowed"));
        });

        static string Item(string eventId, string agentId) => $$"""{"eventId":"{{eventId}}","agentId":"{{agentId}}","type":"reply"}""";
    }

    [Test]
    public void ANonStringId_IsNoId()
    {
        Assert.Multiple(() =>
        {
            Assert.That(StoredItem.TryRead("""{"eventId":42,"agentId":"a","type":"reply"}""", null, 0, out _, out string? problem), Is.False);
            Assert.That(problem, Is.EqualTo("no eventId"));
            Assert.That(StoredItem.TryRead("""{"eventId":"e","agentId":7,"type":"reply"}""", "agent-9", 0, out var read, out string? none), Is.True, none);
            Assert.That(read?.AgentId, Is.EqualTo("agent-9"), "the batch's agent stands in for an agentId that is not a string");
        });
    }

    [Test]
    public void TheItemsOwnAgentId_OutranksTheBatchAgent()
    {
        Assert.That(StoredItem.TryRead("""{"eventId":"e","agentId":"agent-1","type":"reply"}""", "agent-2", 0, out var read, out _), Is.True);
        Assert.That(read!.AgentId, Is.EqualTo("agent-1"));
    }

    [Test]
    public void AReply_HasNoReaction_EvenWhenTheItemNamesOne()
    {
        Assert.That(StoredItem.TryRead("""{"eventId":"e","agentId":"a","type":"reply","reaction":"up"}""", null, 0, out var read, out string? problem), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(problem, Is.Null);
            Assert.That(read!.Type, Is.EqualTo(FeedbackType.Reply));
            Assert.That(read.Reaction, Is.Null);
        });
    }

    [TestCase("""{"eventId":"e","agentId":"a","type":"reaction","reaction":"  "}""", "unknown")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reaction","reaction":""}""", "unknown")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reaction","reaction":42}""", "unknown")]
    [TestCase("""{"eventId":"e","agentId":"a","type":"reaction","reaction":" up "}""", " up ")]
    public void AReactionWithoutAReadableName_IsTheUnknownReaction(string item, string expected)
    {
        Assert.That(StoredItem.TryRead(item, null, 0, out var read, out _), Is.True);
        Assert.That(read!.Reaction, Is.EqualTo(expected));
    }

    [Test]
    public void Times_AreReadAsUtc_AndAnAbsentOccurredAtFallsBackToReceivedAt()
    {
        Assert.That(
            StoredItem.TryRead("""{"eventId":"e","agentId":"a","type":"reply","occurredAt":"2026-01-02T05:04:05+02:00","receivedAt":"2026-01-02T03:04:06"}""", null, 0, out var both, out _),
            Is.True);
        Assert.That(StoredItem.TryRead("""{"eventId":"e","agentId":"a","type":"reply","receivedAt":"2026-01-02T03:04:06Z"}""", null, 0, out var received, out _), Is.True);
        Assert.That(StoredItem.TryRead("""{"eventId":"e","agentId":"a","type":"reply","occurredAt":17,"receivedAt":null}""", null, 0, out var none, out _), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(both!.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
            Assert.That(both.OccurredAt!.Value.Offset, Is.EqualTo(TimeSpan.Zero), "converted to UTC");
            Assert.That(both.ReceivedAt, Is.EqualTo(new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero)), "no offset means UTC");
            Assert.That(received!.OccurredAt, Is.Null);
            Assert.That(received.At, Is.EqualTo(new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero)));
            Assert.That(none!.OccurredAt, Is.Null, "a time that is not a string is no time");
            Assert.That(none.ReceivedAt, Is.Null);
        });
    }

    [Test]
    public void EveryKindOfJsonValue_IsStorable_AtAnyDepth()
    {
        const string item = """{"eventId":"e","agentId":"a","type":"reply","extra":{"o":{"a":[1,-2.5,1e308,true,false,null,"s",[],{}],"b":{"c":"\u00e9"}}}}""";

        Assert.That(StoredItem.TryRead(item, null, 0, out var read, out string? problem), Is.True, problem);
        Assert.That(problem, Is.Null);
        Assert.That(read!.Item.GetProperty("extra").GetProperty("o").GetProperty("b").GetProperty("c").GetString(), Is.EqualTo("é"));
    }

    [Test]
    public void AnItemNestedAsDeepAsTheWriterCanMakeOne_IsRead_OneLevelDeeperIsRefused_AndPastTheReadersDepthIsNotJson()
    {
        // the item is level 1: MaxItemDepth - 1 more levels of arrays are what the writer can produce at most
        static string Nested(int levels) =>
            """{"eventId":"e","agentId":"a","type":"reply","extra":""" + new string('[', levels - 1) + new string(']', levels - 1) + "}";

        Assert.That(StoredItem.TryRead(Nested(ItemLimits.MaxItemDepth), null, 0, out _, out string? atLimit), Is.True, atLimit);
        Assert.That(StoredItem.TryRead(Nested(ItemLimits.MaxItemDepth + 1), null, 0, out _, out string? over), Is.False);
        Assert.That(over, Is.EqualTo($"it nests deeper than {ItemLimits.MaxItemDepth} levels"));
        Assert.That(StoredItem.TryRead(Nested(ItemLimits.ReaderMaxDepth + 1), null, 0, out _, out string? past), Is.False);
        Assert.That(past, Does.StartWith("not JSON"));
        Assert.That(StoredItem.EventIdOf(Nested(ItemLimits.ReaderMaxDepth)), Is.EqualTo("e"));
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

    [Test]
    public void TryReadAndEventIdOf_RefuseANullItem_NamingTheParameter()
    {
        Assert.Multiple(() =>
        {
            Assert.That(
                () => StoredItem.TryRead(null!, null, 0, out _, out _),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("item"));
            Assert.That(
                () => StoredItem.EventIdOf(null!),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("item"));
        });
    }
}
