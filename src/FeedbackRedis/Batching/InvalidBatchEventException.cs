namespace FeedbackRedis.Batching;

/// <summary>What is wrong with an event the engine refused.</summary>
public enum InvalidEventReason
{
    /// <summary>The agent id is missing, too long or has a character outside the allowed set.</summary>
    InvalidAgentId,

    /// <summary>The event id is missing, too long or has control characters.</summary>
    InvalidEventId,

    /// <summary>The item is empty.</summary>
    EmptyItem,

    /// <summary>The item is larger than <c>FEEDBACK_MAX_ITEM_BYTES</c>.</summary>
    ItemTooLarge,
}

/// <summary>
/// An append was refused because one of its events is invalid. The whole append is checked before anything is sent,
/// so nothing of a refused append reaches Redis.
/// </summary>
public sealed class InvalidBatchEventException : ArgumentException
{
    public InvalidBatchEventException(InvalidEventReason reason, int index, string message)
        : base($"event #{index} was refused: {message}")
    {
        Reason = reason;
        Index = index;
    }

    public InvalidBatchEventException()
    {
    }

    public InvalidBatchEventException(string message)
        : base(message)
    {
    }

    public InvalidBatchEventException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What is wrong.</summary>
    public InvalidEventReason Reason { get; }

    /// <summary>The position of the refused event in the append.</summary>
    public int Index { get; }
}
