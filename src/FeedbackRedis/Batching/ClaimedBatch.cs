using FeedbackRedis.Items;
namespace FeedbackRedis.Batching;

/// <summary>A sealed batch claimed under a lease, with its items in arrival order.</summary>
/// <param name="Lease">The lease to ack, renew or release with.</param>
/// <param name="Attempt">1 on the first claim; +1 on every claim after a failure or an expired lease.</param>
/// <param name="Member">The open batch it came from: an agent id, or a global lane such as <c>#global-3</c>.</param>
/// <param name="Trigger">Why it was sealed.</param>
/// <param name="OpenedAt">When its first item arrived.</param>
/// <param name="SealedAt">When it was sealed.</param>
/// <param name="LeaseUntil">When the lease expires unless renewed.</param>
/// <param name="Items">The items (JSON), in arrival order.</param>
public sealed record ClaimedBatch(
    BatchLease Lease,
    int Attempt,
    string Member,
    BatchTrigger Trigger,
    DateTimeOffset OpenedAt,
    DateTimeOffset SealedAt,
    DateTimeOffset LeaseUntil,
    IReadOnlyList<string> Items)
{
    /// <summary>The batch id, <c>&lt;member&gt;:&lt;sequence&gt;</c>.</summary>
    public string BatchId => Lease.BatchId;

    /// <summary>The agent, or null for a global lane (whose items name their agents).</summary>
    public string? AgentId => AgentIds.IsLane(Member) ? null : Member;

    /// <summary>
    /// The <c>eventId</c> of every item that has one (read once, on first use); the ack releases them from the
    /// duplicate guard. An item that is not a JSON object with a string <c>eventId</c> contributes nothing.
    /// </summary>
    public IReadOnlyList<string> EventIds => field ??= [.. Items.Select(StoredItem.EventIdOf).OfType<string>()];
}
