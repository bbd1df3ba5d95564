using System.Buffers;
using System.Text.Json;
using CsCheck;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Bson;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// Properties over generated hostile messages (<see cref="HostileMessages"/>), 100,000 cases each: classification is
/// total, and everything it accepts goes through every later step unchanged in meaning.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class ClassificationPropertyTests
{
    private const int MaxItemBytes = 65_536;
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 12, 0, 1, 234, TimeSpan.Zero);
    private static readonly FeedbackTopics Topics = new("fb.reply", "fb.reaction");
    private static readonly EventClassifier Classifier = new(Topics, MaxItemBytes, new SourceIdentity("source-1"));
    private static readonly long Iterations = PropertySeed.Iterations(100_000);

    [Test]
    public void Classification_IsTotal_AcceptOrADeadLetterWithAReason_NeverAnUnforeseenError()
    {
        HostileMessages.Gen.Sample(
            m =>
            {
                var c = Classify(m);
                if (c.IsDeadLetter)
                {
                    True(c.Reason != DeadLetterReason.Unreadable, () => $"an exception no check foresaw: {c.Detail}");
                    True(c.Detail.Length > 0 && c.Reason.Name().Length > 0, "a dead letter names its reason");
                }
                else
                {
                    True(c.Event!.Item.Length > 0, "an accepted event has its item");
                }
            },
            seed: PropertySeed.Next("classification is total"),
            iter: Iterations,
            writeLine: TestContext.Out.WriteLine);
    }

    [Test]
    public void AcceptedMessages_RoundTripThroughTheItem_TheMongoDocument_AndTheFileSinkLine()
    {
        long accepted = 0;
        HostileMessages.Gen.Sample(
            m =>
            {
                var c = Classify(m);
                if (c.IsDeadLetter)
                {
                    return;
                }

                Interlocked.Increment(ref accepted);
                var type = m.OnReplyTopic ? FeedbackType.Reply : FeedbackType.Reaction;
                var sent = FeedbackEventReader.Read(m.Value, type, out _)!;
                CheckRoundTrip(sent, c.Event!);
            },
            seed: PropertySeed.Next("accepted messages round-trip"),
            iter: Iterations,
            writeLine: TestContext.Out.WriteLine);
        TestContext.Out.WriteLine($"accepted: {accepted:N0} of {Iterations:N0}");
        Assert.That(accepted, Is.GreaterThan(Iterations / 10), "the generator makes enough valid events for the property to mean something");
    }

    private static Classification Classify(HostileMessage m) =>
        Classifier.Classify(new IncomingMessage(m.OnReplyTopic ? "fb.reply" : "fb.reaction", 3, 42, m.Value), ReceivedAt);

    private static void CheckRoundTrip(FeedbackEvent sent, FeedbackRedis.Batching.AppendEvent appended)
    {
        True(appended.Item.Length <= MaxItemBytes, "the item is within FEEDBACK_MAX_ITEM_BYTES");
        string item = appended.Item.AsJson();
        var batch = FeedbackBatch.Read(TestFeedback.Claimed($"{appended.AgentId}:1", [item]));
        True(batch.Unreadable.Count == 0, () => $"the item reader refused what the writer wrote: {batch.Unreadable[0].Reason}");
        var e = batch.Events.Single();

        // The item: ids, type, payload, times and every unknown field, unchanged.
        Same(e.EventId, appended.EventId, "e.EventId");
        Same(StoredItem.EventIdOf(item), appended.EventId, "StoredItem.EventIdOf(appended.Item)");
        Same(e.AgentId, sent.AgentId, "e.AgentId");
        Same(e.Type, sent.Type, "e.Type");
        Same(e.Reaction, sent.Reaction, "e.Reaction");
        Same(Text(e.Item, "text"), sent.Text, "text");
        Same(Text(e.Item, "messageId"), sent.MessageId, "messageId");
        Same(Text(e.Item, "userId"), sent.UserId, "userId");
        Same(e.OccurredAt, sent.OccurredAt is { } at ? TruncateToMs(at) : null, "e.OccurredAt");
        Same(e.ReceivedAt, ReceivedAt, "e.ReceivedAt");
        var extra = e.Item.TryGetProperty("extra", out var x) ? x : default;
        True(sent.Extra.Count == 0 ? extra.ValueKind == JsonValueKind.Undefined : extra.EnumerateObject().Count() == sent.Extra.Count, "every unknown field is kept");
        foreach (var (name, raw) in sent.Extra)
        {
            using var original = JsonDocument.Parse(raw);
            True(JsonElement.DeepEquals(extra.GetProperty(name), original.RootElement), () => $"extra field '{name}' unchanged");
        }

        // The MongoDB document: builds, serialises, and keeps the fields.
        var document = MongoWriteModels.EventFields(e, batch, ReceivedAt.UtcDateTime);
        True(document.ToBson().Length > 0, "the document serialises");
        Same(document["agentId"].AsString, sent.AgentId, "agentId in BSON");
        if (sent.Text is not null)
        {
            Same(document["text"].AsString, sent.Text, "text in BSON");
        }

        foreach (var (name, raw) in sent.Extra)
        {
            using var original = JsonDocument.Parse(raw);
            if (original.RootElement.ValueKind == JsonValueKind.String)
            {
                Same(document["extra"][name].AsString, original.RootElement.GetString(), $"extra field '{name}' in BSON");
            }
        }

        // The file sink's line: written whole and read back.
        var buffer = new ArrayBufferWriter<byte>();
        FileSinkLine.Write(buffer, e, batch, ReceivedAt);
        string line = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        Same(line.IndexOf('\n'), line.Length - 1, "one line");
        var summary = FileSinkReader.Count([line.TrimEnd('\n')]);
        Same(summary.TornLines, 0L, "torn lines");
        True(summary.EventIds.Count == 1 && summary.EventIds.Contains(appended.EventId), "the line reads back with its event id");
        Same(summary.Agents[sent.AgentId].Events, 1L, "summary.Agents[sent.AgentId].Events");
    }

    /// <summary>Cheap checks for the hot path of a property (NUnit's constraints cost more than the case itself).</summary>
    private static void Same<T>(T actual, T expected, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
        {
            throw new AssertionException($"{what}: expected {expected}, but was {actual}");
        }
    }

    private static void True(bool condition, string what) => True(condition, () => what);

    private static void True(bool condition, Func<string> what)
    {
        if (!condition)
        {
            throw new AssertionException(what());
        }
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static DateTimeOffset TruncateToMs(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
