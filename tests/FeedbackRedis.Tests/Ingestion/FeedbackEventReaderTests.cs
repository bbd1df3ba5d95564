using FeedbackRedis.Items;
using System.Text;
using FeedbackRedis.Ingestion;

namespace FeedbackRedis.Tests.Ingestion;

public sealed class FeedbackEventReaderTests
{
    private static FeedbackEvent? Read(string json, FeedbackType type, out Classification? failure) =>
        FeedbackEventReader.Read(Encoding.UTF8.GetBytes(json), type, out failure);

    [Test]
    public void A_full_reply_is_read_field_by_field()
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
    public void A_minimal_reaction_needs_only_agentId_and_reaction_and_is_version_1()
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
    public void Null_optional_fields_count_as_absent()
    {
        var e = Read("""{"agentId":"a","eventId":null,"userId":null,"occurredAt":null,"text":""}""", FeedbackType.Reply, out var failure);

        Assert.That(failure, Is.Null);
        Assert.That(e!.EventId, Is.Null);
        Assert.That(e.UserId, Is.Null);
        Assert.That(e.Text, Is.Empty, "an empty reply text is allowed");
    }

    [Test]
    public void Unknown_fields_are_kept_verbatim_in_message_order()
    {
        var e = Read(
            """{"agentId":"a","locale":"fr-FR","text":"t","meta":{"a":[1,2,{"b":null}]},"score": 4.5}""",
            FeedbackType.Reply,
            out _);

        Assert.That(e!.Extra.Select(x => x.Key), Is.EqualTo(new[] { "locale", "meta", "score" }));
        Assert.That(e.Extra.Select(x => Encoding.UTF8.GetString(x.Value.Span)), Is.EqualTo(new[] { "\"fr-FR\"", """{"a":[1,2,{"b":null}]}""", "4.5" }));
    }

    [Test]
    public void The_other_topics_payload_field_is_an_unknown_field()
    {
        var e = Read("""{"agentId":"a","reaction":"up","text":"also here"}""", FeedbackType.Reaction, out _);

        Assert.That(e!.Text, Is.Null);
        Assert.That(e.Extra.Single().Key, Is.EqualTo("text"));
    }

    [Test]
    public void A_newer_version_is_unsupported_even_when_its_shape_differs()
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
    public void A_bad_reply_is_refused_with_its_reason(string json, DeadLetterReason reason)
    {
        var e = Read(json, FeedbackType.Reply, out var failure);

        Assert.That(e, Is.Null);
        Assert.That(failure!.Reason, Is.EqualTo(reason), failure.Detail);
        Assert.That(failure.Detail, Is.Not.Empty);
    }

    [Test]
    public void A_reaction_needs_a_non_empty_reaction()
    {
        Read("""{"agentId":"a","reaction":""}""", FeedbackType.Reaction, out var empty);
        Read("""{"agentId":"a","text":"t"}""", FeedbackType.Reaction, out var missing);

        Assert.That(empty!.Reason, Is.EqualTo(DeadLetterReason.WrongShape));
        Assert.That(missing!.Reason, Is.EqualTo(DeadLetterReason.WrongShape));
        Assert.That(missing.Detail, Does.Contain("reaction"));
    }

    [Test]
    public void Invalid_utf8_and_no_value_are_not_json()
    {
        FeedbackEventReader.Read(new byte[] { 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d }, FeedbackType.Reply, out var badUtf8);
        FeedbackEventReader.Read(ReadOnlyMemory<byte>.Empty, FeedbackType.Reply, out var none);

        Assert.That(badUtf8!.Reason, Is.EqualTo(DeadLetterReason.NotJson));
        Assert.That(badUtf8.Detail, Does.Contain("UTF-8"));
        Assert.That(none!.Reason, Is.EqualTo(DeadLetterReason.NotJson));
    }
}
