using FeedbackRedis.Items;
namespace FeedbackRedis.Batching;

/// <summary>One event to append: its stable id, its agent, and the readable JSON item stored in Redis.</summary>
/// <param name="EventId">The producer's <c>eventId</c>, else the Kafka coordinates <c>&lt;sourceId&gt;/topic/partition/offset</c> (<see cref="Items.EventIds"/>).</param>
/// <param name="AgentId">The agent the feedback is about; validated by <see cref="AgentIds"/>.</param>
/// <param name="Item">The JSON stored as the batch item, verbatim.</param>
public sealed record AppendEvent(string EventId, string AgentId, string Item);
