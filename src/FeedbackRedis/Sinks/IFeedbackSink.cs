namespace FeedbackRedis.Sinks;

/// <summary>
/// Where flushed batches go. A write must be idempotent: the same batch may be written again after a crash or a lost
/// lease, and an event may arrive again in a later batch; neither may be stored or counted twice (docs/SINKS.md).
/// </summary>
public interface IFeedbackSink
{
    /// <summary>A short name for logs and the flushed-batch announcement (<c>mongodb</c>, <c>file</c>).</summary>
    string Name { get; }

    /// <summary>Prepares the sink once before the first write (indexes, folders). Safe to call again after a failure.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the sink can take writes now, for the readiness probe: null when it can, else why not. Quick (a ping),
    /// never a write. Sinks that cannot tell say null.
    /// </summary>
    Task<string?> CheckAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>
    /// Writes a group of batches together (one bulk operation where the sink has one) and reports each batch's
    /// outcome; one batch's failure does not fail the others. Throws only when cancelled or on a bug; the flusher
    /// treats any other exception as <see cref="SinkOutcome.Unavailable"/> for the whole group.
    /// </summary>
    /// <returns>One result per batch of <paramref name="batches"/>.</returns>
    Task<IReadOnlyList<BatchWriteResult>> WriteAsync(IReadOnlyList<FeedbackBatch> batches, CancellationToken cancellationToken);
}
