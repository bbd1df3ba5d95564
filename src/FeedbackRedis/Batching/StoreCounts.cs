namespace FeedbackRedis.Batching;

/// <summary>Counts per state, summed over shards.</summary>
/// <param name="OpenBatches">Open batches.</param>
/// <param name="ReadyBatches">Sealed batches waiting for a flusher (some may be waiting out a retry delay).</param>
/// <param name="InFlightBatches">Batches claimed under a lease.</param>
/// <param name="DeadBatches">Parked batches.</param>
/// <param name="OpenEvents">Events in open batches.</param>
/// <param name="PendingEvents">Events in open, ready and in-flight batches (the backpressure measure).</param>
/// <param name="GuardedIds">
/// Event ids in the duplicate guard: every event appended and not yet acked, so open, ready, in-flight and dead events.
/// </param>
/// <param name="DueBatches">Open batches whose deadline has passed (the next due scan seals them).</param>
/// <param name="OldestOpenedAt">When the oldest open batch opened, or null when none is open.</param>
/// <param name="Now">The clock reading the counts were taken against.</param>
public sealed record StoreCounts(
    long OpenBatches,
    long ReadyBatches,
    long InFlightBatches,
    long DeadBatches,
    long OpenEvents,
    long PendingEvents,
    long GuardedIds,
    long DueBatches,
    DateTimeOffset? OldestOpenedAt,
    DateTimeOffset Now)
{
    /// <summary>
    /// Events in dead batches: the guarded ids not pending (the guard holds every event appended and not yet acked, and
    /// pending excludes the dead ones). No counter of its own to drift; a recount restores both.
    /// </summary>
    public long DeadEvents => Math.Max(0, GuardedIds - PendingEvents);

    /// <summary>Agents (and lanes) with a batch policy of their own (<c>P:policy</c> entries, <c>feedbackctl policy</c>).</summary>
    public long PolicyOverrides { get; init; }

    /// <summary>Age of the oldest open batch, or null when none is open.</summary>
    public TimeSpan? OldestOpenAge => OldestOpenedAt is { } opened ? Now - opened : null;
}
