using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Flushing;

/// <summary>
/// The <c>feedback.batch.flushed</c> announcement of one written batch (schema and example in docs/FLUSHING.md).
/// Delivery is at least once: a batch re-flushed after a crash is announced again, with a higher attempt.
/// </summary>
public sealed record FlushedBatchMessage(
    string BatchId,
    string? AgentId,
    IReadOnlyList<string> AgentIds,
    int EventCount,
    string Trigger,
    DateTimeOffset? FirstEventAt,
    DateTimeOffset? LastEventAt,
    IReadOnlyList<string> EventIds,
    DateTimeOffset OpenedAt,
    DateTimeOffset SealedAt,
    DateTimeOffset FlushedAt,
    int Attempt,
    string Sink)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The announcement of <paramref name="batch"/>, written by <paramref name="sink"/> at <paramref name="flushedAt"/>.</summary>
    public static FlushedBatchMessage From(FeedbackBatch batch, string sink, DateTimeOffset flushedAt)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var claim = batch.Claim;
        return new FlushedBatchMessage(
            claim.BatchId,
            claim.AgentId,
            [.. batch.Events.Select(e => e.AgentId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            batch.Events.Count,
            claim.Trigger.ToString().ToLowerInvariant(),
            batch.FirstEventAt,
            batch.LastEventAt,
            [.. batch.Events.Select(e => e.EventId)],
            claim.OpenedAt,
            claim.SealedAt,
            flushedAt,
            claim.Attempt,
            sink);
    }

    /// <summary>The message key: the agent, so one agent's announcements keep their order; the batch id for a global lane.</summary>
    [JsonIgnore]
    public string Key => AgentId ?? BatchId;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static FlushedBatchMessage? FromJson(string json) => JsonSerializer.Deserialize<FlushedBatchMessage>(json, Json);
}
