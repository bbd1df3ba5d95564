using System.Globalization;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>Reads <see cref="MongoSinkOptions.WriteConcern"/>. Unacknowledged writes (w:0) are refused: the flusher acks
/// a batch in Redis only after the sink has acknowledged it.</summary>
internal static class MongoWriteConcerns
{
    public static bool TryParse(string? text, out WriteConcern concern)
    {
        concern = WriteConcern.WMajority;
        if (string.Equals(text, "majority", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int w) && w is >= 1 and <= 50)
        {
            concern = new WriteConcern(w);
            return true;
        }

        return false;
    }
}
