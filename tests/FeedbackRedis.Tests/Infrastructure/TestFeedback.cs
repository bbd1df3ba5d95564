using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Items;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Feedback items shaped as the consumer writes them (eventId, agentId, type, reaction, occurredAt, ...).</summary>
public static class TestFeedback
{
    public static string Item(string agentId, string eventId, string type = "reply", string? reaction = null, DateTimeOffset? occurredAt = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["eventId"] = eventId,
            ["agentId"] = agentId,
            ["type"] = type,
            ["reaction"] = reaction,
            ["occurredAt"] = (occurredAt ?? TestStores.Start).ToString("O"),
            ["receivedAt"] = (occurredAt ?? TestStores.Start).AddSeconds(1).ToString("O"),
            ["topic"] = type == "reply" ? "feedback.reply.received" : "feedback.reaction.received",
            ["partition"] = 0,
            ["offset"] = 42L,
            ["messageId"] = "m-" + eventId,
            ["conversationId"] = "c-1",
            ["userId"] = "u-1",
            ["text"] = type == "reply" ? "thanks" : null,
        });

    public static AppendEvent Event(string agentId, string eventId, string type = "reply", string? reaction = null, DateTimeOffset? occurredAt = null) =>
        AppendEvent.FromJson(eventId, agentId, Item(agentId, eventId, type, reaction, occurredAt));

    /// <summary><paramref name="count"/> events for one agent: even ones replies, odd ones "like" reactions.</summary>
    public static List<AppendEvent> Events(string agentId, int count, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(i => i % 2 == 0
            ? Event(agentId, $"{agentId}-e{i}")
            : Event(agentId, $"{agentId}-e{i}", "reaction", "like"))];

    /// <summary>
    /// A batch whose items are read without the item reader's checks, for sink tests that must show a sink holding its
    /// own against an event the reader would have quarantined (a hand edit in Redis, a reader bug).
    /// </summary>
    public static FeedbackBatch Unchecked(ClaimedBatch claim) => new(claim,
    [
        .. claim.Items.Select((item, i) =>
        {
            var root = JsonDocument.Parse(item).RootElement.Clone();
            string? reaction = root.TryGetProperty("reaction", out var r) ? r.GetString() : null;
            var type = root.GetProperty("type").GetString() == "reaction" ? FeedbackType.Reaction : FeedbackType.Reply;
            return new ClaimedEvent(
                root.GetProperty("eventId").GetString()!, root.TryGetProperty("agentId", out var a) ? a.GetString()! : claim.AgentId!,
                type, type == FeedbackType.Reaction ? reaction ?? StoredItem.UnknownReaction : null, null, null, root, i);
        }),
    ]);

    /// <summary>A claimed batch built in memory (for sink tests that need no Redis).</summary>
    public static ClaimedBatch Claimed(string batchId, IEnumerable<string> items, int attempt = 1, string owner = "flusher-test", DateTimeOffset? sealedAt = null)
    {
        var sealedTime = sealedAt ?? TestStores.Start.AddSeconds(10);
        return new ClaimedBatch(
            new BatchLease(batchId, owner, attempt),
            attempt,
            KeySchema.MemberOf(batchId),
            BatchTrigger.Size,
            TestStores.Start,
            sealedTime,
            sealedTime.AddSeconds(30),
            [.. items]);
    }
}
