namespace FeedbackRedis.Ingestion;

/// <summary>One Kafka message as the classifier sees it: where it came from and its raw value.</summary>
/// <param name="Topic">Source topic.</param>
/// <param name="Partition">Source partition.</param>
/// <param name="Offset">Source offset.</param>
/// <param name="Value">The raw value (empty for a null value).</param>
/// <param name="TraceParent">The producer's W3C <c>traceparent</c> to keep in the item (tracing on only; see Diagnostics/FeedbackTracing.cs).</param>
public readonly record struct IncomingMessage(string Topic, int Partition, long Offset, ReadOnlyMemory<byte> Value, string? TraceParent = null);
