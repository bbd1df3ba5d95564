using FeedbackRedis.Items;

namespace FeedbackRedis.Kafka;

/// <summary>
/// Source ids, the first part of fallback event ids (<see cref="EventIds.Fallback"/>): 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>
/// (a Kafka cluster id, 22 characters of base64url, is one). <c>FEEDBACK_SOURCE_ID</c> sets it; when it is empty the
/// consumer learns the Kafka cluster id once at start-up (<see cref="FetchClusterIdAsync"/>).
/// </summary>
public static class SourceIds
{
    /// <summary>The longest source id accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>What the validators say is allowed.</summary>
    public const string Allowed = "1 to 64 of A-Z a-z 0-9 . _ -";

    private static readonly System.Buffers.SearchValues<char> SafeCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    /// <summary>Why <paramref name="sourceId"/> is not a usable source id, or null when it is.</summary>
    public static string? Explain(string? sourceId)
    {
        if (string.IsNullOrEmpty(sourceId))
        {
            return "it is empty";
        }

        if (sourceId.Length > MaxLength)
        {
            return $"it is {sourceId.Length} characters long";
        }

        int bad = sourceId.AsSpan().IndexOfAnyExcept(SafeCharacters);
        return bad < 0 ? null : $"it holds '{sourceId[bad]}' (U+{(int)sourceId[bad]:X4})";
    }

    /// <summary>
    /// Why fallback ids made of <paramref name="sourceId"/> and the input topics could pass <see cref="EventIds.MaxLength"/>,
    /// or null when every one fits (with the largest partition and offset).
    /// </summary>
    public static string? ExplainLength(string sourceId, KafkaOptions kafka)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        ArgumentNullException.ThrowIfNull(kafka);
        string topic = kafka.ReplyTopic.Length >= kafka.ReactionTopic.Length ? kafka.ReplyTopic : kafka.ReactionTopic;
        int longest = EventIds.LongestFallback(sourceId, topic);
        return longest <= EventIds.MaxLength ? null
            : $"with the topic '{topic}' ({topic.Length} characters) it makes fallback event ids of up to {longest} characters, "
                + $"and event ids may have at most {EventIds.MaxLength}: shorten the source id or the topic name";
    }

    /// <summary>
    /// The Kafka cluster id, asked of the brokers with the service's own client settings (TLS and SASL included), retried
    /// until <paramref name="budget"/> has passed (<see cref="KafkaClusterId"/>).
    /// </summary>
    /// <exception cref="SourceIdUnavailableException">No broker answered within the budget, or the cluster reports no id.</exception>
    public static async Task<string> FetchClusterIdAsync(KafkaOptions kafka, TimeProvider time, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(time);
        var settings = kafka.ClientSettings();
        string? problem = null;
        string? id = await Task.Run(() => KafkaClusterId.Fetch(settings, time, budget, cancellationToken, out problem), cancellationToken);
        return id ?? throw new SourceIdUnavailableException(
            $"could not learn the Kafka cluster id from {kafka.BootstrapServers} within {budget.TotalSeconds:0} s ({problem}). "
            + "Check FEEDBACK_KAFKA_BOOTSTRAP_SERVERS and the security settings, or set FEEDBACK_SOURCE_ID.");
    }
}
