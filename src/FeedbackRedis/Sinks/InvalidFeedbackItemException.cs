namespace FeedbackRedis.Sinks;

/// <summary>
/// A batch item cannot be read as feedback (not JSON, no event id, no agent, unknown type). Items never change, so
/// retrying cannot help: its batch is parked as dead with this message as the reason.
/// </summary>
public sealed class InvalidFeedbackItemException : Exception
{
    public InvalidFeedbackItemException()
    {
    }

    public InvalidFeedbackItemException(string message)
        : base(message)
    {
    }

    public InvalidFeedbackItemException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
