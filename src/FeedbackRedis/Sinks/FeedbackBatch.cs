using FeedbackRedis.Items;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Sinks;

/// <summary>A claimed batch with its items read as events, in arrival order; what a sink writes.</summary>
public sealed record FeedbackBatch(ClaimedBatch Claim, IReadOnlyList<BatchedEvent> Events)
{
    public string BatchId => Claim.BatchId;

    /// <summary>The earliest event time, or null when no event says when it happened.</summary>
    public DateTimeOffset? FirstEventAt => Events.Select(e => e.At).Where(t => t is not null).Min();

    /// <summary>The latest event time, or null when no event says when it happened.</summary>
    public DateTimeOffset? LastEventAt => Events.Select(e => e.At).Where(t => t is not null).Max();
}
