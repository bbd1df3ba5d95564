using System.Buffers;
using System.Text;
using FeedbackRedis.Batching;
using FeedbackRedis.Items;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Sinks.MongoDb;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace FeedbackRedis.Fuzz;

/// <summary>
/// An item that <see cref="StoredItem.TryRead"/> accepted, taken through what the flusher does with it: a claimed batch of
/// that one item (<see cref="FeedbackBatch.Read"/>), the MongoDB document (<see cref="MongoWriteModels.EventFields"/>,
/// serialised to BSON and read back), and the file sink's line (<see cref="FileSinkLine.Write"/>, counted back by
/// <see cref="FileSinkReader.Count"/> with the same event and agent and no torn line).
/// </summary>
internal static class SinkRoundTrip
{
    private static readonly DateTimeOffset OpenedAt = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset SealedAt = OpenedAt.AddSeconds(5);
    private static readonly DateTime WrittenAt = new(2026, 12, 1, 12, 0, 6, 789, DateTimeKind.Utc);

    public static void Check(string item, ClaimedEvent read, string member)
    {
        var claim = new ClaimedBatch(
            new BatchLease($"{member}:1", "fuzz/1/flusher", 7), 1, member, BatchTrigger.Size, OpenedAt, SealedAt, SealedAt.AddSeconds(30), [item]);
        var batch = FeedbackBatch.Read(claim);
        PropertyViolation.Expect(batch.Unreadable.Count, 0, "unreadable items in the batch");
        PropertyViolation.Expect(batch.Events.Count, 1, "events in the batch");
        var e = batch.Events[0];
        PropertyViolation.Expect((e.EventId, e.AgentId, e.Type, e.Reaction), (read.EventId, read.AgentId, read.Type, read.Reaction), "the batch's event");

        CheckMongoDocument(e, batch);
        CheckFileLine(e, batch);
    }

    private static void CheckMongoDocument(ClaimedEvent e, FeedbackBatch batch)
    {
        var fields = MongoWriteModels.EventFields(e, batch, WrittenAt);
        byte[] bson = fields.ToBson();
        var back = BsonSerializer.Deserialize<BsonDocument>(bson);
        PropertyViolation.Expect(back.Equals(fields), "the MongoDB document reads back from its BSON unchanged");
        PropertyViolation.Expect(back.Contains("_id") || back.Contains("eventId"), false, "the document's fields hold _id or eventId");
        PropertyViolation.Expect(back["agentId"].AsString, e.AgentId, "the document's agentId");
    }

    private static void CheckFileLine(ClaimedEvent e, FeedbackBatch batch)
    {
        var buffer = new ArrayBufferWriter<byte>();
        FileSinkLine.Write(buffer, e, batch, new DateTimeOffset(WrittenAt));
        string text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        PropertyViolation.Expect(text.IndexOf('\n', StringComparison.Ordinal), text.Length - 1, "position of the line's only newline");

        // Split as the file sink's reader splits a file (StreamReader.ReadLine: \n, \r and \r\n).
        var lines = new List<string>();
        using (var reader = new StringReader(text))
        {
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }

        var summary = FileSinkReader.Count(lines);
        PropertyViolation.Expect(summary.TornLines, 0L, "torn lines");
        PropertyViolation.Expect(summary.Lines, 1L, "lines read");
        PropertyViolation.Expect(string.Join(",", summary.EventIds), e.EventId, "event ids read");
        PropertyViolation.Expect(string.Join(",", summary.Agents.Keys), e.AgentId, "agents read");
        var counts = summary.Agents[e.AgentId];
        PropertyViolation.Expect(counts.Events, 1L, "events counted");
        if (e.Type == FeedbackType.Reply)
        {
            PropertyViolation.Expect(counts.Replies, 1L, "replies counted");
        }
        else
        {
            PropertyViolation.Expect(counts.Reactions.GetValueOrDefault(e.Reaction!), 1L, $"reactions '{e.Reaction}' counted");
        }
    }
}
