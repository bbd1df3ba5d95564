namespace FeedbackRedis.Ingestion;

/// <summary>The stable kebab-case names of <see cref="PauseReasons"/>: metric labels and log text.</summary>
public static class PauseReasonNames
{
    private static readonly (PauseReasons Reason, string Name)[] Names =
    [
        (PauseReasons.RedisUnavailable, "redis-unavailable"),
        (PauseReasons.HighWater, "high-water"),
        (PauseReasons.DeadLetterUnavailable, "dead-letter-unavailable"),
        (PauseReasons.Retrying, "retrying"),
        (PauseReasons.DeadWork, "dead-work"),
    ];

    /// <summary>One name per reason set in <paramref name="reasons"/>, in declaration order.</summary>
    public static IEnumerable<string> Of(PauseReasons reasons)
    {
        foreach (var (reason, name) in Names)
        {
            if ((reasons & reason) != 0)
            {
                yield return name;
            }
        }
    }

    /// <summary>The names joined for a log line, e.g. <c>redis-unavailable, high-water</c>; <c>none</c> when nothing is set.</summary>
    public static string Describe(PauseReasons reasons) => reasons == PauseReasons.None ? "none" : string.Join(", ", Of(reasons));
}
