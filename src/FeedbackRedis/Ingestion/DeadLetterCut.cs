namespace FeedbackRedis.Ingestion;

/// <summary>What a truncated dead letter left out (its <c>dlq.original.*</c> headers).</summary>
/// <param name="OriginalValueBytes">The original value's size (0 for a null value).</param>
/// <param name="OriginalKeyBytes">The original key's size when the key was cut too, else null.</param>
/// <param name="OmittedHeaders">How many original headers did not fit and were left out.</param>
internal sealed record DeadLetterCut(long OriginalValueBytes, int? OriginalKeyBytes, int OmittedHeaders);
