using FeedbackRedis.Batching;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Owns the consumer's appends in flight (<see cref="AppendWindow"/>) and what follows when Redis answers one: an append
/// Redis took in is acknowledged (the <see cref="PartitionBook"/> records its positions and waits its next offsets for
/// Kafka, the metrics count it, duplicates are logged); one that failed or was refused puts every append in flight back
/// in front of <see cref="HeldMessages"/>, in the order taken from Kafka, for the careful way. Appends are taken back
/// strictly oldest first, so offsets are acknowledged in order. Not thread-safe: the consumer loop owns it (rebalance
/// callbacks run on the loop's thread).
/// </summary>
public sealed partial class AppendAcknowledger
{
    private readonly AppendWindow _window;
    private readonly PartitionBook _book;
    private readonly HeldMessages _held;
    private readonly IngestionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="logger">The consumer's logger: these are the consumer's log events (same category and range).</param>
    public AppendAcknowledger(AppendWindow window, PartitionBook book, HeldMessages held, IngestionMetrics metrics, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(window);
        _window = window;
        _book = book;
        _held = held;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Appends in flight.</summary>
    public int Count => _window.Count;

    /// <inheritdoc cref="AppendWindow.IsFull"/>
    public bool IsFull => _window.IsFull;

    /// <inheritdoc cref="AppendWindow.OldestDone"/>
    public bool OldestDone => _window.OldestDone;

    /// <summary>Sends the classified <paramref name="messages"/> (dead letters delivered) as one append, without waiting for it.</summary>
    public InFlightAppend Send(IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken) =>
        _window.Send(messages, _book.Expected, cancellationToken);

    /// <summary>
    /// Redis took in the append of <paramref name="messages"/> (recording <paramref name="positions"/>): the positions
    /// move on and the next offsets wait in the ledger for Kafka, in the order the appends were sent.
    /// </summary>
    public void Acknowledge(IReadOnlyList<PendingMessage> messages, IReadOnlyList<PartitionPosition> positions, AppendResult result)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(result);
        _book.Acknowledged(messages, positions, _time.GetUtcNow());
        _metrics.Appended(result.Added, result.Duplicates);
        if (result.Duplicates > 0)
        {
            int events = messages.Count(m => !m.Classification!.IsDeadLetter);
            LogDuplicatesSkipped(result.Duplicates, events);
        }
    }

    /// <summary>
    /// Waits for the oldest append in flight and acknowledges it if Redis took it in. If not, every append in flight is
    /// held again, in front of what is held (they were taken from Kafka first), to be sent again the careful way, which
    /// meets the failure or the refusal itself (and rewinds on a refusal).
    /// </summary>
    /// <returns>True when the oldest was taken in.</returns>
    public async Task<bool> TakeBackOldestAsync()
    {
        var outcome = await _window.TakeOldestAsync();
        if (!outcome.Broken)
        {
            var append = outcome.Appends[0];
            Acknowledge(append.Messages, append.Positions, append.Result!);
            return true;
        }

        var back = outcome.Appends.SelectMany(a => a.Messages).ToList();
        int taken = outcome.Appends.Sum(a => a.Result is { Refused: false } r ? r.Added : 0);
        var first = outcome.Appends[0];
        string why = first.Task.Exception?.GetBaseException().Message ?? "Redis refused it: it holds less than this consumer recorded";
        LogWindowBroken(outcome.Appends.Count, back.Count, taken, why);
        _metrics.Appended(taken, 0); // Redis holds these; sent again, they are skipped as duplicates
        // In place: a rebalance callback drains the window in the middle of a micro-batch being filled into this list.
        _held.PutBack(back);
        return false;
    }

    /// <summary>
    /// Waits for every append in flight, oldest first (before a rebalance stores offsets, before a rewind, the careful
    /// way and shutdown). What failed is held again, in front, for the careful way.
    /// </summary>
    /// <returns>True when every append in flight was taken in.</returns>
    public async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        while (_window.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await TakeBackOldestAsync())
            {
                return false;
            }
        }

        return true;
    }
}
