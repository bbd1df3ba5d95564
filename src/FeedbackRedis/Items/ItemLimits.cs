namespace FeedbackRedis.Items;

/// <summary>
/// The one set of limits on what a message may hold, enforced when a message is read
/// (<see cref="Ingestion.FeedbackEventReader"/>) so strictly that everything downstream (the stored item, its reader,
/// the MongoDB document, the file sink's line) can never fail on what was accepted. docs/EVENTS.md lists them with the
/// dead-letter reason each one gives.
/// </summary>
public static class ItemLimits
{
    /// <summary>
    /// Deepest nesting a message may have, its own object counting 1 (<c>too-deep</c> beyond). The stored item nests
    /// unknown fields one level deeper (under <c>extra</c>), the file sink's line one more: both stay far below
    /// <see cref="ReaderMaxDepth"/> and MongoDB's 100.
    /// </summary>
    public const int MaxMessageDepth = 32;

    /// <summary>Deepest nesting of a stored item the writer can produce: the message's, plus <c>extra</c>.</summary>
    public const int MaxItemDepth = MaxMessageDepth + 1;

    /// <summary>
    /// The depth every reader of messages, items and sink lines is configured with: above anything the writer produces,
    /// so a reader never meets a depth it refuses; a message nested deeper than this is <c>too-deep</c> all the same.
    /// </summary>
    public const int ReaderMaxDepth = 64;
}
