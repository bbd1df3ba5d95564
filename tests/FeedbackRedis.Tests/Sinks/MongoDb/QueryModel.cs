using MongoDB.Bson;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>
/// A model of the few query and classic update operators the guard's filters and compaction use (equality, <c>$ne</c>,
/// <c>$not</c>, <c>$gte</c>, <c>$in</c>, <c>$or</c>; <c>$pull</c> with <c>$in</c>, <c>$max</c>, <c>$inc</c>), written from
/// MongoDB's documentation for the tests only, like <see cref="ExpressionModel"/>. It checks the protocol's logic where
/// no server runs; it is not MongoDB. Operators it does not model fail the test.
/// </summary>
internal static class QueryModel
{
    public static bool Matches(BsonDocument filter, BsonDocument document)
    {
        foreach (var element in filter)
        {
            bool ok = element.Name == "$or"
                ? element.Value.AsBsonArray.Any(branch => Matches(branch.AsBsonDocument, document))
                : FieldMatches(document.TryGetValue(element.Name, out var v) ? v : null, element.Value);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static BsonDocument ApplyClassicUpdate(BsonDocument update, BsonDocument document)
    {
        var result = document.DeepClone().AsBsonDocument;
        foreach (var op in update)
        {
            foreach (var field in op.Value.AsBsonDocument)
            {
                var current = result.TryGetValue(field.Name, out var c) ? c : null;
                switch (op.Name)
                {
                    case "$pull":
                        var drop = field.Value["$in"].AsBsonArray;
                        if (current is BsonArray array)
                        {
                            result[field.Name] = new BsonArray(array.Where(v => !drop.Contains(v)));
                        }

                        break;
                    case "$max":
                        if (current is null || current.CompareTo(field.Value) < 0)
                        {
                            result[field.Name] = field.Value;
                        }

                        break;
                    case "$inc":
                        result[field.Name] = new BsonInt64((current?.ToInt64() ?? 0) + field.Value.ToInt64());
                        break;
                    default:
                        throw new AssertionException($"update operator {op.Name} is not modelled");
                }
            }
        }

        return result;
    }

    private static bool FieldMatches(BsonValue? value, BsonValue condition)
    {
        if (condition is BsonDocument ops && ops.ElementCount > 0 && ops.GetElement(0).Name.StartsWith('$'))
        {
            return ops.All(op => Operator(op.Name, value, op.Value));
        }

        return Equal(value, condition);
    }

    private static bool Operator(string name, BsonValue? value, BsonValue operand) => name switch
    {
        "$ne" => !Equal(value, operand),
        "$not" => !FieldMatches(value, operand),
        "$gte" => value is not null && value.IsNumeric && operand.IsNumeric && value.ToDouble() >= operand.ToDouble(),
        "$in" => operand.AsBsonArray.Any(v => Equal(value, v)),
        _ => throw new AssertionException($"query operator {name} is not modelled"),
    };

    /// <summary>Equality as a query sees it: null matches a missing field; an array field matches when it holds the value.</summary>
    private static bool Equal(BsonValue? value, BsonValue operand)
    {
        if (operand.IsBsonNull)
        {
            return value is null || value.IsBsonNull;
        }

        if (value is BsonArray array && operand is not BsonArray)
        {
            return array.Any(v => Same(v, operand));
        }

        return value is not null && Same(value, operand);
    }

    private static bool Same(BsonValue a, BsonValue b) => a.IsNumeric && b.IsNumeric ? a.ToDouble() == b.ToDouble() : a.Equals(b);
}
