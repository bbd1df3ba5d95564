using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

/// <summary>What to do with one message: append <see cref="Event"/>, or dead-letter it for <see cref="Reason"/>.</summary>
public sealed record Classification
{
    private Classification(AppendEvent? appendEvent, DeadLetterReason reason, string detail)
    {
        Event = appendEvent;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The event to append, or null for a dead letter.</summary>
    public AppendEvent? Event { get; }

    /// <summary>Why the message is a dead letter (meaningless when <see cref="Event"/> is set).</summary>
    public DeadLetterReason Reason { get; }

    /// <summary>A sentence saying what exactly is wrong (header <c>dlq.detail</c>); empty for an event.</summary>
    public string Detail { get; }

    public bool IsDeadLetter => Event is null;

    public static Classification Accept(AppendEvent appendEvent) =>
        new(appendEvent ?? throw new ArgumentNullException(nameof(appendEvent)), default, "");

    public static Classification Reject(DeadLetterReason reason, string detail) => new(null, reason, detail);
}
