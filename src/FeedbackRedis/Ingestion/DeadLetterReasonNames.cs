namespace FeedbackRedis.Ingestion;

/// <summary>The stable names of <see cref="DeadLetterReason"/>: header values and metric tags.</summary>
public static class DeadLetterReasonNames
{
    /// <summary>The kebab-case name, e.g. <c>invalid-agent-id</c>.</summary>
    public static string Name(this DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.NotJson => "not-json",
        DeadLetterReason.WrongShape => "wrong-shape",
        DeadLetterReason.InvalidAgentId => "invalid-agent-id",
        DeadLetterReason.InvalidEventId => "invalid-event-id",
        DeadLetterReason.TooLarge => "too-large",
        DeadLetterReason.UnsupportedVersion => "unsupported-version",
        DeadLetterReason.UnknownTopic => "unknown-topic",
        DeadLetterReason.TooDeep => "too-deep",
        DeadLetterReason.InvalidText => "invalid-text",
        DeadLetterReason.InvalidNumber => "invalid-number",
        DeadLetterReason.Unreadable => "unreadable",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
