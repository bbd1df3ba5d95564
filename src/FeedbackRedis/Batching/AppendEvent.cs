using System.Text;
using FeedbackRedis.Items;
namespace FeedbackRedis.Batching;

/// <summary>One event to append: its stable id, its agent, and the readable JSON item stored in Redis, as UTF-8 bytes.</summary>
/// <param name="EventId">The producer's <c>eventId</c>, else the Kafka coordinates <c>&lt;sourceId&gt;/topic/partition/offset</c> (<see cref="Items.EventIds"/>).</param>
/// <param name="AgentId">The agent the feedback is about; validated by <see cref="AgentIds"/>.</param>
/// <param name="Item">
/// The item's UTF-8 bytes, stored verbatim as the batch item (what <see cref="StoredItem.Write"/> returns); its
/// <c>Length</c> is the size <c>FEEDBACK_MAX_ITEM_BYTES</c> limits. Not copied: the array must not change once handed over.
/// Equality of two events compares this array by reference.
/// </param>
public sealed record AppendEvent(string EventId, string AgentId, byte[] Item)
{
    /// <summary>
    /// An event whose item is given as JSON text (tools, tests, benchmarks), encoded to UTF-8 once here. The consumer
    /// never uses it: it hands over the bytes <see cref="StoredItem.Write"/> made.
    /// </summary>
    public static AppendEvent FromJson(string eventId, string agentId, string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new(eventId, agentId, Encoding.UTF8.GetBytes(item));
    }
}
