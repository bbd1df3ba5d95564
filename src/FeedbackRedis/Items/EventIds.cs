using System.Text;
using System.Text.Json;

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

    /// <summary>
    /// The top-level <c>eventId</c> string of a batch item, or null when the item is not a JSON object with one. The
    /// consumer writes <c>eventId</c> first, so this reads one property of a well-formed item.
    /// </summary>
    public static string? Of(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(item));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("eventId"u8);
                reader.Read();
                if (isId)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no id.
        }

        return null;
    }
}
