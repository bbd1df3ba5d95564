using System.Buffers;
using System.Text;
using System.Text.Json;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Items;

/// <summary>
/// The item's optional <c>traceparent</c> field: written when the consumer has one, read back for the flusher, carried
/// into both sinks' records, and what it costs per event.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class StoredItemTraceParentTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 12, 0, 1, 234, TimeSpan.Zero);

    private static readonly FeedbackEvent Reply =
        new(FeedbackType.Reply, 1, "e-1", "agent-7", "m-1", "c-1", "u-1", "thanks", null, ReceivedAt.AddSeconds(-1),
            [new("locale", Encoding.UTF8.GetBytes("\"fr-FR\""))]);

    [Test]
    public void Field_ComesAfterReceivedAt_AndCosts72BytesPerEvent()
    {
        byte[] withoutBytes = StoredItem.Write(Reply, "e-1", "fb.reply", 3, 1234, ReceivedAt);
        byte[] withBytes = StoredItem.Write(Reply, "e-1", "fb.reply", 3, 1234, ReceivedAt, TraceParent);
        string without = withoutBytes.AsJson();
        string with = withBytes.AsJson();

        Assert.Multiple(() =>
        {
            Assert.That(with, Does.Contain($"\"receivedAt\":\"2026-11-23T12:00:01.234Z\",\"traceparent\":\"{TraceParent}\",\"extra\":{{"));
            Assert.That(without, Does.Not.Contain("traceparent"));
            Assert.That(withBytes.Length - withoutBytes.Length, Is.EqualTo(72), "the measured cost of the field: ,\"traceparent\":\"<55 characters>\"");
            Assert.That(with.Replace($",\"traceparent\":\"{TraceParent}\"", "", StringComparison.Ordinal), Is.EqualTo(without));
            Assert.That(StoredItem.EventIdOf(with), Is.EqualTo("e-1"), "eventId stays first");
        });
    }

    [Test]
    public void Read_GivesItBackWithTheEvent_AndAnItemWithoutItReadsAsBefore()
    {
        string with = StoredItem.Write(Reply, "e-1", "fb.reply", 3, 1234, ReceivedAt, TraceParent).AsJson();
        string without = StoredItem.Write(Reply, "e-1", "fb.reply", 3, 1234, ReceivedAt).AsJson();

        Assert.Multiple(() =>
        {
            Assert.That(StoredItem.TryRead(with, null, 0, out var traced, out _), Is.True);
            Assert.That(traced!.TraceParent, Is.EqualTo(TraceParent));
            Assert.That(StoredItem.TryRead(without, null, 0, out var plain, out _), Is.True);
            Assert.That(plain!.TraceParent, Is.Null);
        });
    }

    [TestCase("\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7\"")]
    [TestCase("\"hello\"")]
    [TestCase("42")]
    [TestCase("{\"a\":1}")]
    public void Read_HandEditedTraceparentThatIsNotTraceContext_IsIgnoredAndTheEventStillReads(string raw)
    {
        string item = $$"""{"eventId":"e-1","agentId":"agent-7","type":"reply","traceparent":{{raw}}}""";

        Assert.Multiple(() =>
        {
            Assert.That(StoredItem.TryRead(item, null, 0, out var read, out string? problem), Is.True, problem);
            Assert.That(read!.TraceParent, Is.Null);
        });
    }

    [Test]
    public void BothSinks_KeepTheFieldInWhatTheyStore()
    {
        string item = StoredItem.Write(Reply, "e-1", "fb.reply", 3, 1234, ReceivedAt, TraceParent).AsJson();
        var batch = FeedbackBatch.Read(TestFeedback.Claimed("agent-7:1", [item]));

        var document = MongoWriteModels.EventFields(batch.Events[0], batch, ReceivedAt.UtcDateTime);
        var line = new ArrayBufferWriter<byte>();
        FileSinkLine.Write(line, batch.Events[0], batch, ReceivedAt);
        var written = JsonDocument.Parse(line.WrittenMemory).RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(document["traceparent"].AsString, Is.EqualTo(TraceParent), "MongoDB event document");
            Assert.That(written.GetProperty("item").GetProperty("traceparent").GetString(), Is.EqualTo(TraceParent), "file sink line");
        });
    }

    [Test]
    public void Classifier_StoresTheTraceparentItIsGiven_UnlessThatAloneMakesTheItemTooLarge()
    {
        byte[] value = Encoding.UTF8.GetBytes("""{"eventId":"e-1","agentId":"a-1","text":"t"}""");
        var generous = new EventClassifier(new FeedbackTopics("fb.reply", "fb.reaction"), 2048, new SourceIdentity("s"));
        int plainBytes = generous.Classify(new IncomingMessage("fb.reply", 0, 1, value), ReceivedAt).Event!.Item.Length;
        // Room for the item, not for the item and its traceparent.
        var tight = new EventClassifier(new FeedbackTopics("fb.reply", "fb.reaction"), plainBytes + 10, new SourceIdentity("s"));

        var traced = generous.Classify(new IncomingMessage("fb.reply", 0, 1, value, TraceParent), ReceivedAt);
        var squeezed = tight.Classify(new IncomingMessage("fb.reply", 0, 1, value, TraceParent), ReceivedAt);

        Assert.Multiple(() =>
        {
            Assert.That(traced.Event!.Item.AsJson(), Does.Contain($"\"traceparent\":\"{TraceParent}\""));
            Assert.That(squeezed.IsDeadLetter, Is.False, "tracing never makes an event too large");
            Assert.That(squeezed.Event!.Item.AsJson(), Does.Not.Contain("traceparent"));
        });
    }
}
