using System.Diagnostics;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;

namespace FeedbackRedis.Ingestion;

/// <summary>A consumed message not yet acknowledged (appended to Redis or delivered to the dead-letter topic).</summary>
public sealed class PendingMessage(ConsumeResult<byte[]?, byte[]?> result)
{
    public ConsumeResult<byte[]?, byte[]?> Result { get; } = result;

    public TopicPartition Partition => Result.TopicPartition;

    /// <summary>What to do with it; set once, when first processed.</summary>
    public Classification? Classification { get; set; }

    /// <summary>How the dead-letter publisher handled it; null until it did.</summary>
    public DeadLetterOutcome? DeadLetterOutcome { get; set; }

    /// <summary>Handled as a dead letter: delivered, truncated or dropped (so a retried micro-batch does not send it twice).</summary>
    public bool DeadLettered => DeadLetterOutcome is not null;

    /// <summary>The W3C trace context its producer sent (headers), read once; default when tracing is off or it has none.</summary>
    public ActivityContext TraceContext => _traceContext ??= FeedbackTracing.ContextOf(Result.Message.Headers);

    public IncomingMessage Incoming =>
        new(Result.Topic, Result.Partition.Value, Result.Offset.Value, Result.Message.Value, FeedbackTracing.TraceParentOf(TraceContext));

    private ActivityContext? _traceContext;
}
