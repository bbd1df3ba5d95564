namespace FeedbackRedis.Flushing;

/// <summary>Announces written batches (<c>feedback.batch.flushed</c>).</summary>
public interface IFlushedBatchPublisher
{
    /// <summary>Publishes and waits until the broker has acknowledged it; throws when it was not delivered.</summary>
    Task PublishAsync(FlushedBatchMessage message, CancellationToken cancellationToken);
}
