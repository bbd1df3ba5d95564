namespace FeedbackRedis.Sinks;

/// <summary>One batch's outcome in a sink write, with the reason when it was not written.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Reason">Why it was not written, when it was not.</param>
public sealed record BatchWriteResult(string BatchId, SinkOutcome Outcome, string? Reason = null)
{
    /// <summary>
    /// With <see cref="SinkOutcome.Written"/>: the items the sink refused one by one (every other item is stored). The
    /// flusher quarantines them and acks the batch. Empty when every item was stored.
    /// </summary>
    public IReadOnlyList<RejectedItem> RejectedItems { get; init; } = [];

    /// <summary>
    /// Events of the batch whose id the sink already holds for another agent (two producers reusing one id): stored and
    /// counted once, for the agent written first; the flusher counts them in <c>feedback.sink.id_conflicts</c>.
    /// </summary>
    public int IdConflicts { get; init; }

    public static BatchWriteResult Written(string batchId) => new(batchId, SinkOutcome.Written);

    /// <summary>Written, except <paramref name="rejected"/> (none: plain <see cref="Written(string)"/>).</summary>
    public static BatchWriteResult WrittenExcept(string batchId, IReadOnlyList<RejectedItem> rejected) =>
        new(batchId, SinkOutcome.Written) { RejectedItems = rejected };
}
