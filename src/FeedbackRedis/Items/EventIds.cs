using System.Globalization;

namespace FeedbackRedis.Items;

/// <summary>
/// Event ids: 1 to 256 characters, no control characters. They key the sink's documents. An event whose producer sent
/// no <c>eventId</c> gets the fallback id <see cref="Fallback"/>: <c>&lt;sourceId&gt;/&lt;topic&gt;/&lt;partition&gt;/&lt;offset&gt;</c>.
/// </summary>
public static class EventIds
{
    /// <summary>The longest event id accepted.</summary>
    public const int MaxLength = 256;

    /// <summary>Digits of the largest partition number (<see cref="int.MaxValue"/>).</summary>
    private const int MaxPartitionDigits = 10;

    /// <summary>Digits of the largest offset (<see cref="long.MaxValue"/>).</summary>
    private const int MaxOffsetDigits = 19;

    /// <summary>
    /// The id of an event sent without one: <c>&lt;sourceId&gt;/&lt;topic&gt;/&lt;partition&gt;/&lt;offset&gt;</c>, e.g.
    /// <c>MkU3OEVBNTcwNTJENDM2Qg/feedback.reaction.received/3/1234</c>. The same on every redelivery; the source id keeps
    /// it from repeating when the same coordinates come back from another cluster (or, with a new source id, a
    /// recreated topic). Neither a source id nor a Kafka topic holds a '/', so the id splits back unambiguously.
    /// </summary>
    public static string Fallback(string sourceId, string topic, int partition, long offset) =>
        string.Create(CultureInfo.InvariantCulture, $"{sourceId}/{topic}/{partition}/{offset}");

    /// <summary>The longest fallback id <paramref name="sourceId"/> and <paramref name="topic"/> can make (largest partition and offset).</summary>
    public static int LongestFallback(string sourceId, string topic)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        ArgumentNullException.ThrowIfNull(topic);
        return sourceId.Length + 1 + topic.Length + 1 + MaxPartitionDigits + 1 + MaxOffsetDigits;
    }

    /// <summary>Why <paramref name="eventId"/> is invalid, or null when it is valid.</summary>
    public static string? Explain(string? eventId)
    {
        if (string.IsNullOrEmpty(eventId))
        {
            return "event id is missing or empty";
        }

        if (eventId.Length > MaxLength)
        {
            return $"event id is {eventId.Length} characters long; at most {MaxLength} are allowed";
        }

        foreach (char c in eventId)
        {
            if (char.IsControl(c))
            {
                return $"event id contains the control character \\u{(int)c:x4}";
            }
        }

        return null;
    }
}
