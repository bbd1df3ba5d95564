using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Owns the consumer's dead-letter step of a micro-batch: the held messages classified as dead letters and not yet
/// delivered go to the <see cref="DeadLetterPublisher"/>; those it delivered are counted by reason and logged (one
/// summary, and each one at Debug); a failure is logged with how many stay held. Whether the topic is available is the
/// caller's to act on (it pauses). Not thread-safe: the consumer loop owns it.
/// </summary>
public sealed partial class DeadLetterDelivery
{
    private readonly DeadLetterPublisher _publisher;
    private readonly IngestionMetrics _metrics;
    private readonly ILogger _logger;

    /// <param name="logger">The consumer's logger: these are the consumer's log events (same category and range).</param>
    public DeadLetterDelivery(DeadLetterPublisher publisher, IngestionMetrics metrics, ILogger logger)
    {
        _publisher = publisher;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Delivers the dead letters of <paramref name="held"/> (classified) not yet delivered.</summary>
    /// <returns>
    /// Null when there was none to deliver; true when the topic took them all (delivered, or cut down, or dropped as
    /// refused for good); false when it could not take some (they stay held and undelivered).
    /// </returns>
    public async Task<bool?> TryDeliverAsync(IReadOnlyList<PendingMessage> held, CancellationToken cancellationToken)
    {
        var letters = held.Where(m => m.Classification!.IsDeadLetter && !m.DeadLettered).ToList();
        if (letters.Count == 0)
        {
            return null;
        }

        var failure = await _publisher.PublishAsync(letters, cancellationToken);
        // Dropped ones (refused whole and truncated) were logged and counted by the publisher.
        var delivered = letters.Where(l => l.DeadLetterOutcome is DeadLetterOutcome.Delivered or DeadLetterOutcome.Truncated).ToList();
        foreach (var letter in delivered)
        {
            var c = letter.Classification!;
            _metrics.DeadLettered(c.Reason);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                string reason = c.Reason.Name();
                LogDeadLettered(reason, letter.Result.Topic, letter.Result.Partition.Value, letter.Result.Offset.Value, c.Detail);
            }
        }

        if (delivered.Count > 0)
        {
            LogDeadLetters(delivered.Count, _publisher.Topic, string.Join(", ", delivered
                .GroupBy(l => l.Classification!.Reason.Name())
                .Select(g => $"{g.Key} {g.Count()}")));
        }

        if (failure is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LogDeadLetterFailed(letters.Count(l => !l.DeadLettered), _publisher.Topic, failure.Message);
            return false;
        }

        return true;
    }
}
