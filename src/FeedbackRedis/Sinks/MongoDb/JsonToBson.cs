using System.Globalization;
using System.Text.Json;
using MongoDB.Bson;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Turns an item's JSON into BSON field by field, without MongoDB's extended-JSON reading (so a payload field named
/// <c>$date</c> stays a field and never becomes a type). Whole numbers become Int32 or Int64, others Double.
/// </summary>
/// <remarks>
/// Values BSON cannot hold are refused with <see cref="UnstorableItemException"/> naming the field, for the sink to
/// refuse that one item: a number that is not a finite double (<c>1e400</c>; the consumer refuses these at the edge,
/// this is the second line) and a field name with a NUL character (BSON names end at NUL: the driver would throw
/// while sending the whole bulk write).
/// </remarks>
internal static class JsonToBson
{
    /// <exception cref="UnstorableItemException">A value or name BSON cannot hold; the message names the field.</exception>
    public static BsonValue Convert(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => Document(value),
        JsonValueKind.Array => Array(value),
        JsonValueKind.String => new BsonString(value.GetString()),
        JsonValueKind.Number => Number(value),
        JsonValueKind.True => BsonBoolean.True,
        JsonValueKind.False => BsonBoolean.False,
        _ => BsonNull.Value,
    };

    /// <exception cref="UnstorableItemException">A value or name BSON cannot hold; the message names the field.</exception>
    public static BsonDocument Document(JsonElement value)
    {
        var document = new BsonDocument(allowDuplicateNames: false);
        foreach (var property in value.EnumerateObject())
        {
            string name = property.Name;
            if (name.Contains('\0', StringComparison.Ordinal))
            {
                throw UnstorableItemException.At(Shown(name), "has a NUL character in its name");
            }

            try
            {
                document.Set(name, Convert(property.Value));
            }
            catch (UnstorableItemException ex)
            {
                throw ex.Within(Shown(name));
            }
        }

        return document;
    }

    private static BsonArray Array(JsonElement value)
    {
        var array = new BsonArray(value.GetArrayLength());
        int index = 0;
        foreach (var element in value.EnumerateArray())
        {
            try
            {
                array.Add(Convert(element));
            }
            catch (UnstorableItemException ex)
            {
                throw ex.Within($"[{index.ToString(CultureInfo.InvariantCulture)}]");
            }

            index++;
        }

        return array;
    }

    private static BsonValue Number(JsonElement value)
    {
        if (value.TryGetInt32(out int i))
        {
            return new BsonInt32(i);
        }

        if (value.TryGetInt64(out long l))
        {
            return new BsonInt64(l);
        }

        if (value.TryGetDouble(out double d) && double.IsFinite(d))
        {
            return new BsonDouble(d);
        }

        throw UnstorableItemException.At("", $"holds {Shown(value.GetRawText())}, which is not a finite double");
    }

    /// <summary>At most 100 characters, control characters (NUL among them) shown as '?', for a reason text.</summary>
    private static string Shown(string text)
    {
        string cut = text.Length > 100 ? text[..100] + "..." : text;
        return string.Create(cut.Length, cut, static (span, source) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }
}
