namespace FeedbackRedis.Items;

/// <summary>Event ids: 1 to 256 characters, no control characters. They key the sink's documents.</summary>
public static class EventIds
{
    /// <summary>The longest event id accepted.</summary>
    public const int MaxLength = 256;

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
