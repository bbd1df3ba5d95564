using System.Text.Json;
using MongoDB.Bson;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Turns an item's JSON into BSON field by field, without MongoDB's extended-JSON reading (so a payload field named
/// <c>$date</c> stays a field and never becomes a type). Whole numbers become Int32 or Int64, others Double.
/// </summary>
internal static class JsonToBson
{
    public static BsonValue Convert(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => Document(value),
        JsonValueKind.Array => new BsonArray(value.EnumerateArray().Select(Convert)),
        JsonValueKind.String => new BsonString(value.GetString()),
        JsonValueKind.Number when value.TryGetInt32(out int i) => new BsonInt32(i),
        JsonValueKind.Number when value.TryGetInt64(out long l) => new BsonInt64(l),
        JsonValueKind.Number => new BsonDouble(value.GetDouble()),
        JsonValueKind.True => BsonBoolean.True,
        JsonValueKind.False => BsonBoolean.False,
        _ => BsonNull.Value,
    };

    public static BsonDocument Document(JsonElement value)
    {
        var document = new BsonDocument(allowDuplicateNames: false);
        foreach (var property in value.EnumerateObject())
        {
            document.Set(property.Name, Convert(property.Value));
        }

        return document;
    }
}
