using System.Text;
using FeedbackRedis.Items;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Items;

/// <summary>The writer half of <see cref="StoredItem"/> (StoredItem.Writer.cs): the exact layout and size of an item.</summary>
[Category(TestCategories.Unit)]
public sealed class StoredItemWriterTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 12, 0, 1, 234, TimeSpan.Zero);

    private static FeedbackEvent Event(
        FeedbackType type = FeedbackType.Reply,
        string? messageId = null,
        string? conversationId = null,
        string? userId = null,
        string? text = null,
        string? reaction = null,
        DateTimeOffset? occurredAt = null,
        params (string Name, string Raw)[] extra) =>
        new(type, 1, null, "agent-7", messageId, conversationId, userId, text, reaction, occurredAt,
            [.. extra.Select(x => new KeyValuePair<string, ReadOnlyMemory<byte>>(x.Name, Encoding.UTF8.GetBytes(x.Raw)))]);

    [Test]
    public void AFullReply_IsWrittenInTheFixedFieldOrder_WithTimesInUtcMilliseconds()
    {
        var e = Event(
            messageId: "m", conversationId: "c", userId: "u", text: "t",
            occurredAt: new DateTimeOffset(2026, 11, 23, 13, 0, 0, 5, TimeSpan.FromHours(1)),
            extra: [("locale", "\"fr-FR\""), ("meta", """{"a":[1,null]}""")]);

        byte[] bytes = StoredItem.Write(e, "e-1", "fb.reply", 3, 1234, ReceivedAt);
        string item = bytes.AsJson();

        Assert.That(
            item,
            Is.EqualTo("""{"eventId":"e-1","agentId":"agent-7","type":"reply","topic":"fb.reply","partition":3,"offset":1234,"messageId":"m","conversationId":"c","userId":"u","text":"t","occurredAt":"2026-11-23T12:00:00.005Z","receivedAt":"2026-11-23T12:00:01.234Z","extra":{"locale":"fr-FR","meta":{"a":[1,null]}}}"""));
        Assert.That(bytes, Has.Length.EqualTo(item.Length));
    }

    [Test]
    public void AReaction_HasItsName_AndAbsentFieldsAreLeftOut()
    {
        string item = StoredItem.Write(Event(FeedbackType.Reaction, reaction: "thumbs_up"), "e-2", "fb.reaction", 0, 7, ReceivedAt).AsJson();

        Assert.That(
            item,
            Is.EqualTo("""{"eventId":"e-2","agentId":"agent-7","type":"reaction","topic":"fb.reaction","partition":0,"offset":7,"reaction":"thumbs_up","receivedAt":"2026-11-23T12:00:01.234Z"}"""));
    }

    [Test]
    public void Bytes_IsTheUtf8Size_NotTheNumberOfCharacters()
    {
        byte[] bytes = StoredItem.Write(Event(text: "ça 日本 👍"), "e-3", "fb.reply", 0, 0, ReceivedAt);
        string item = bytes.AsJson();

        Assert.That(bytes, Has.Length.EqualTo(Encoding.UTF8.GetByteCount(item)));
        Assert.That(bytes, Has.Length.GreaterThan(item.Length));
        Assert.That(item, Does.Contain("\"text\":\"ça 日本 \\uD83D\\uDC4D\""), "relaxed escaping: accents and CJK stay readable");
    }

    [Test]
    public void ConsecutiveWrites_OnOneThread_DoNotLeakIntoEachOther()
    {
        byte[] firstBytes = StoredItem.Write(Event(text: new string('x', 3000)), "e-big", "fb.reply", 0, 0, ReceivedAt);
        byte[] secondBytes = StoredItem.Write(Event(text: "small"), "e-small", "fb.reply", 0, 1, ReceivedAt);
        string first = firstBytes.AsJson();
        string second = secondBytes.AsJson();

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.StartWith("""{"eventId":"e-big","""));
            Assert.That(firstBytes, Has.Length.GreaterThan(3000));
            Assert.That(second, Is.EqualTo("""{"eventId":"e-small","agentId":"agent-7","type":"reply","topic":"fb.reply","partition":0,"offset":1,"text":"small","receivedAt":"2026-11-23T12:00:01.234Z"}"""));
            Assert.That(secondBytes, Has.Length.EqualTo(second.Length), "exactly the written length: nothing of the earlier, larger item");
        });
    }

    [Test]
    public void Timestamp_IsUtcWithMillisecondsAndZ()
    {
        Assert.Multiple(() =>
        {
            Assert.That(StoredItem.Timestamp(new DateTimeOffset(2026, 11, 23, 14, 0, 0, 7, TimeSpan.FromHours(2))), Is.EqualTo("2026-11-23T12:00:00.007Z"));
            Assert.That(StoredItem.Timestamp(DateTimeOffset.MaxValue), Is.EqualTo("9999-12-31T23:59:59.999Z"));
        });
    }

    [Test]
    public void Utf8Timestamp_IsTheCustomFormatsText_ForAnyTime()
    {
        var random = new Random(20261202);
        Span<byte> buffer = stackalloc byte[28];
        var times = new List<DateTimeOffset>
        {
            DateTimeOffset.MinValue, DateTimeOffset.MaxValue, ReceivedAt, new(2026, 11, 23, 13, 0, 0, 5, TimeSpan.FromHours(1)),
            new(new DateTime(2026, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999)),
            new(new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(9_999), TimeSpan.Zero),
        };
        for (int i = 0; i < 20_000; i++)
        {
            long ticks = random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay);
            times.Add(new DateTimeOffset(ticks, TimeSpan.FromMinutes(random.Next(-14 * 60, (14 * 60) + 1))));
        }

        foreach (var time in times)
        {
            string expected = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            string actual = Encoding.UTF8.GetString(StoredItem.Utf8Timestamp(time, buffer));
            if (actual != expected)
            {
                Assert.Fail($"{time:O}: {actual}, the custom format gives {expected}");
            }
        }

        Assert.That(StoredItem.Timestamp(DateTimeOffset.MaxValue), Is.EqualTo("9999-12-31T23:59:59.999Z"));
    }

    [TestCase(FeedbackType.Reply, "reply")]
    [TestCase(FeedbackType.Reaction, "reaction")]
    public void TypeName_IsTheItemsTypeField(FeedbackType type, string expected)
    {
        Assert.That(StoredItem.TypeName(type), Is.EqualTo(expected));
    }

    [Test]
    public void AnItemItWrote_ReadsBack()
    {
        string item = StoredItem.Write(
            Event(FeedbackType.Reaction, reaction: "heart", occurredAt: ReceivedAt.AddMinutes(-1), extra: [("n", "4.5")]), "e-4", "fb.reaction", 1, 2, ReceivedAt).AsJson();

        Assert.That(StoredItem.TryRead(item, null, 0, out var read, out string? problem), Is.True, problem);
        Assert.Multiple(() =>
        {
            Assert.That(read!.EventId, Is.EqualTo("e-4"));
            Assert.That(read.Reaction, Is.EqualTo("heart"));
            Assert.That(read.OccurredAt, Is.EqualTo(ReceivedAt.AddMinutes(-1)));
            Assert.That(read.ReceivedAt, Is.EqualTo(ReceivedAt));
            Assert.That(StoredItem.EventIdOf(item), Is.EqualTo("e-4"));
        });
    }

    [Test]
    public void Write_RefusesANullEvent_NamingTheParameter()
    {
        Assert.That(
            () => StoredItem.Write(null!, "e", "fb.reply", 0, 0, ReceivedAt),
            Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("e"));
    }
}
