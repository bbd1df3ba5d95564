using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackRedis.Batching;
using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;

namespace FeedbackRedis.Flushing;

/// <summary>
/// The <c>feedback.batch.flushed</c> announcement of one written batch (schema and example in docs/FLUSHING.md).
/// Delivery is at least once: a batch re-flushed after a crash is announced again, with a higher attempt. A large batch
/// is announced without its id lists (<see cref="Fit"/>): then <see cref="EventIdsOmitted"/> or
/// <see cref="AgentIdsOmitted"/> is true, the list is empty, and the counts and SHA-256 digests stand for it.
/// </summary>
/// <param name="AgentCount">Distinct agents of its events (the length of <paramref name="AgentIds"/> when listed).</param>
/// <param name="EventIdsOmitted">True when <paramref name="EventIds"/> was left out (empty) to fit the size limit.</param>
/// <param name="EventIdsSha256">Lowercase hex SHA-256 of the event ids in arrival order, each as UTF-8 followed by <c>\n</c> (<see cref="Digest"/>).</param>
/// <param name="AgentIdsOmitted">True when <paramref name="AgentIds"/> was left out (empty) as well.</param>
/// <param name="AgentIdsSha256">The same digest over the sorted distinct agent ids.</param>
/// <param name="Trigger">
/// Why the batch was sealed, as <see cref="BatchTrigger"/> in lower case: <c>size</c>, <c>bytes</c> (the byte limit),
/// <c>time</c>, <c>overflow</c>, <c>global</c>, <c>manual</c> or <c>quarantine</c>.
/// </param>
/// <param name="BatchKey">
/// <c>batchId@sealedAt</c> (seal time in Unix milliseconds): the batch's identity across Redis data loss, which can hand
/// a batch id out again. The key the MongoDB sink guards and marks batches by; downstream deduplicates by it. Null only
/// in announcements written before it was added.
/// </param>
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
    string Sink,
    int AgentCount = 0,
    bool EventIdsOmitted = false,
    string? EventIdsSha256 = null,
    bool AgentIdsOmitted = false,
    string? AgentIdsSha256 = null,
    string? BatchKey = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The announcement of <paramref name="batch"/>, written by <paramref name="sink"/> at <paramref name="flushedAt"/>, with both lists.</summary>
    public static FlushedBatchMessage From(FeedbackBatch batch, string sink, DateTimeOffset flushedAt)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var claim = batch.Claim;
        string[] agentIds = [.. batch.Events.Select(e => e.AgentId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        string[] eventIds = [.. batch.Events.Select(e => e.EventId)];
        return new FlushedBatchMessage(
            claim.BatchId,
            claim.AgentId,
            agentIds,
            batch.Events.Count,
            claim.Trigger.ToString().ToLowerInvariant(),
            batch.FirstEventAt,
            batch.LastEventAt,
            eventIds,
            claim.OpenedAt,
            claim.SealedAt,
            flushedAt,
            claim.Attempt,
            sink,
            agentIds.Length,
            EventIdsOmitted: false,
            Digest(eventIds),
            AgentIdsOmitted: false,
            Digest(agentIds),
            MongoWriteModels.BatchKey(batch));
    }

    /// <summary>The message key: the agent, so one agent's announcements keep their order; the batch id for a global lane.</summary>
    [JsonIgnore]
    public string Key => AgentId ?? BatchId;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The UTF-8 size of <see cref="ToJson"/>.</summary>
    public int JsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json).Length;

    public static FlushedBatchMessage? FromJson(string json) => JsonSerializer.Deserialize<FlushedBatchMessage>(json, Json);

    /// <summary>
    /// The form of this announcement whose JSON takes at most <paramref name="maxJsonBytes"/> UTF-8 bytes: itself when it
    /// fits; else without the event ids; else without the agent ids too (the summary form, whose size does not grow with
    /// the batch: <see cref="WorstCaseSummaryBytes"/>).
    /// </summary>
    public FlushedBatchMessage Fit(int maxJsonBytes)
    {
        if (Fits(this, maxJsonBytes))
        {
            return this;
        }

        var withoutEvents = this with { EventIds = [], EventIdsOmitted = true };
        return Fits(withoutEvents, maxJsonBytes) ? withoutEvents : withoutEvents with { AgentIds = [], AgentIdsOmitted = true };
    }

    /// <summary>
    /// Lowercase hex SHA-256 over the ids in the given order, each as its UTF-8 bytes followed by a line feed. Event ids
    /// have no control characters and agent ids only <c>A-Z a-z 0-9 _ - .</c>, so the line form is unambiguous, and any
    /// consumer can recompute it from the ids it reads from the sink.
    /// </summary>
    public static string Digest(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string id in ids)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(id));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The largest the summary form (both lists left out) of a batch of up to <paramref name="maxEvents"/> events can be:
    /// measured on a message with every field at its longest (a 128-character agent, the longest batch id and trigger,
    /// every time with seven fractional digits and an offset, the largest attempt, a sink name of 32 characters, a batch
    /// key with the longest seal time).
    /// </summary>
    public static int WorstCaseSummaryBytes(int maxEvents)
    {
        string agent = new('a', global::FeedbackRedis.Items.AgentIds.MaxLength);
        var latest = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.FromHours(14)).AddTicks(9_999_999);
        string trigger = Enum.GetNames<BatchTrigger>().MaxBy(n => n.Length)!.ToLowerInvariant();
        var summary = new FlushedBatchMessage(
            $"{agent}:{long.MaxValue}",
            agent,
            [],
            maxEvents,
            trigger,
            latest,
            latest,
            [],
            latest,
            latest,
            latest,
            int.MaxValue,
            new string('s', 32),
            maxEvents,
            EventIdsOmitted: true,
            new string('f', 64),
            AgentIdsOmitted: true,
            new string('f', 64),
            $"{agent}:{long.MaxValue}@{long.MaxValue}");
        return summary.JsonBytes();
    }

    /// <summary>
    /// Whether the JSON of <paramref name="message"/> fits. A list's JSON takes at least its characters plus quotes and
    /// commas, so a list that cannot fit is known without serialising it (100,000 ids make megabytes).
    /// </summary>
    private static bool Fits(FlushedBatchMessage message, int maxJsonBytes) =>
        MinJsonBytes(message.EventIds) + MinJsonBytes(message.AgentIds) <= maxJsonBytes && message.JsonBytes() <= maxJsonBytes;

    private static long MinJsonBytes(IReadOnlyList<string> ids)
    {
        long bytes = 2;
        foreach (string id in ids)
        {
            bytes += id.Length + 3;
        }

        return bytes;
    }
}
