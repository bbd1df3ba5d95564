namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// How far back the sink may apply or complete a batch's aggregates: apply records live
/// <see cref="MongoSinkOptions.ContributionRetentionDays"/> after the batch's seal, and the sink touches no batch whose
/// record could already be gone (one day of margin for clock skew and the TTL monitor). docs/FLUSHING.md has the rule.
/// </summary>
internal static class MongoRetention
{
    /// <summary>Margin between the last seal age the sink applies and the age at which records are dropped.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromDays(1);

    /// <summary>The TTL of an apply record, from its batch's seal.</summary>
    public static TimeSpan RecordLifetime(MongoSinkOptions options) => TimeSpan.FromDays(options.ContributionRetentionDays);

    /// <summary>The oldest seal age whose aggregates the sink still applies (the record lifetime minus the margin).</summary>
    public static TimeSpan Horizon(MongoSinkOptions options) => RecordLifetime(options) - Margin;

    /// <summary>True when a batch sealed at <paramref name="sealedAt"/> is too old to have its aggregates applied now.</summary>
    public static bool IsBeyondHorizon(DateTimeOffset sealedAt, DateTime now, MongoSinkOptions options) =>
        now - sealedAt.UtcDateTime > Horizon(options);

    /// <summary>
    /// True when an owner batch sealed at <paramref name="ownerSealedAt"/> may be completed by another batch now: sealed at
    /// least <see cref="MongoSinkOptions.CompleteOwnersAfterMinutes"/> ago, and within the horizon.
    /// </summary>
    public static bool MayComplete(DateTime ownerSealedAt, DateTime now, MongoSinkOptions options)
    {
        var age = now - ownerSealedAt;
        return age >= TimeSpan.FromMinutes(options.CompleteOwnersAfterMinutes) && age <= Horizon(options);
    }
}
