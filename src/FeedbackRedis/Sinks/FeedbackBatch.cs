using FeedbackRedis.Batching;
using FeedbackRedis.Items;

namespace FeedbackRedis.Sinks;

/// <summary>
/// A claimed batch with its items read as events, in arrival order; what a sink writes. Items that cannot be read are
/// in <see cref="Unreadable"/>: the flusher quarantines them and the sink never sees them.
/// </summary>
public sealed record FeedbackBatch(ClaimedBatch Claim, IReadOnlyList<ClaimedEvent> Events)
{
    /// <summary>Items of the claim that are not readable feedback (a hand edit, a damaged item), with why.</summary>
    public IReadOnlyList<RejectedItem> Unreadable { get; init; } = [];

    public string BatchId => Claim.BatchId;

    /// <summary>The earliest event time, or null when no event says when it happened.</summary>
    public DateTimeOffset? FirstEventAt => Events.Select(e => e.At).Where(t => t is not null).Min();

    /// <summary>The latest event time, or null when no event says when it happened.</summary>
    public DateTimeOffset? LastEventAt => Events.Select(e => e.At).Where(t => t is not null).Max();

    /// <summary>Reads every item of <paramref name="claim"/> with <see cref="StoredItem.TryRead"/>; never throws for any item.</summary>
    public static FeedbackBatch Read(ClaimedBatch claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var events = new List<ClaimedEvent>(claim.Items.Count);
        List<RejectedItem>? unreadable = null;
        for (int i = 0; i < claim.Items.Count; i++)
        {
            if (StoredItem.TryRead(claim.Items[i], claim.AgentId, i, out var e, out string? problem))
            {
                events.Add(e);
            }
            else
            {
                (unreadable ??= []).Add(new RejectedItem(i, $"unreadable item: {problem}"));
            }
        }

        return new FeedbackBatch(claim, events) { Unreadable = unreadable ?? (IReadOnlyList<RejectedItem>)[] };
    }
}
