namespace FeedbackRedis.Sinks;

/// <summary>One batch's outcome in a sink write, with the reason when it was not written.</summary>
public sealed record BatchWriteResult(string BatchId, SinkOutcome Outcome, string? Reason = null)
{
    public static BatchWriteResult Written(string batchId) => new(batchId, SinkOutcome.Written);
}
