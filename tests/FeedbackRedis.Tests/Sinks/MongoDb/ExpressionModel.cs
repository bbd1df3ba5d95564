using MongoDB.Bson;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>
/// A model of the few aggregation operators the sink's update pipeline uses, written from MongoDB's documentation for
/// the tests only. It is not MongoDB and stands in for it nowhere: it checks the pipeline's logic (index arithmetic,
/// order, the spill into <c>other</c>) where no server runs; whether MongoDB evaluates the operators the same way is
/// for the real-server tests. Any operator it does not model fails the test instead of being guessed.
/// Missing values are C# null; a missing value inside an array becomes BSON null, as in MongoDB.
/// </summary>
internal static class ExpressionModel
{
    /// <summary>Applies a one-stage update pipeline <c>[{$set: {...}}]</c> to a copy of <paramref name="document"/>.</summary>
    public static BsonDocument ApplySetPipeline(BsonArray pipeline, BsonDocument document)
    {
        Assert.That(pipeline, Has.Count.EqualTo(1), "one $set stage");
        var set = pipeline[0]["$set"].AsBsonDocument;
        var result = document.DeepClone().AsBsonDocument;
        var vars = new Dictionary<string, BsonValue?>(StringComparer.Ordinal);
        foreach (var field in set)
        {
            // Every expression of one $set reads the stage's input document, not the fields set before it.
            var value = Evaluate(field.Value, document, vars);
            if (value is null)
            {
                result.Remove(field.Name);
            }
            else
            {
                result[field.Name] = value;
            }
        }

        return result;
    }

    public static BsonValue? Evaluate(BsonValue expression, BsonDocument root, IReadOnlyDictionary<string, BsonValue?> vars)
    {
        switch (expression)
        {
            case BsonString { Value: var s } when s.StartsWith("$$", StringComparison.Ordinal):
                return vars.TryGetValue(s[2..], out var bound) ? bound : throw new AssertionException($"unbound variable {s}");
            case BsonString { Value: var s } when s.StartsWith('$'):
                Assert.That(s, Does.Not.Contain('.'), "the model reads top-level fields only");
                return root.TryGetValue(s[1..], out var field) ? field : null;
            case BsonArray array:
                return new BsonArray(array.Select(e => Evaluate(e, root, vars) ?? BsonNull.Value));
            case BsonDocument { ElementCount: 1 } op when op.GetElement(0).Name.StartsWith('$'):
                return Operator(op.GetElement(0).Name, op[0], root, vars);
            case BsonDocument document:
                var built = new BsonDocument();
                foreach (var element in document)
                {
                    if (Evaluate(element.Value, root, vars) is { } value)
                    {
                        built[element.Name] = value;
                    }
                }

                return built;
            default:
                return expression;
        }
    }

    private static BsonValue? Operator(string name, BsonValue args, BsonDocument root, IReadOnlyDictionary<string, BsonValue?> vars)
    {
        BsonValue? Arg(int i) => Evaluate(args.AsBsonArray[i], root, vars);
        BsonValue? Named(string field) => Evaluate(args[field], root, vars);
        switch (name)
        {
            case "$literal":
                return args;
            case "$let":
            {
                var inner = new Dictionary<string, BsonValue?>(vars, StringComparer.Ordinal);
                foreach (var v in args["vars"].AsBsonDocument)
                {
                    inner[v.Name] = Evaluate(v.Value, root, vars); // vars see the outer scope only, as in MongoDB
                }

                return Evaluate(args["in"], root, inner);
            }

            case "$ifNull":
                return Arg(0) is { IsBsonNull: false } value ? value : Arg(1);
            case "$getField":
            {
                Assert.That(args["field"].AsBsonDocument.Names.Single(), Is.EqualTo("$literal"), "a constant field name (MongoDB before 7.2 accepts no other)");
                string field = args["field"]["$literal"].AsString;
                var input = Named("input");
                return input is BsonDocument d && d.TryGetValue(field, out var v) ? v : null;
            }

            case "$objectToArray":
                return new BsonArray(Arg0Document(args, root, vars).Select(e => new BsonDocument { { "k", e.Name }, { "v", e.Value } }));
            case "$arrayToObject":
            {
                var result = new BsonDocument();
                foreach (var pair in Arg0(args, root, vars).AsBsonArray)
                {
                    result[pair["k"].AsString] = pair["v"]; // a repeated key keeps the last value
                }

                return result;
            }

            case "$mergeObjects":
            {
                var result = new BsonDocument();
                foreach (var part in args.AsBsonArray.Select(a => Evaluate(a, root, vars)))
                {
                    foreach (var element in part?.AsBsonDocument ?? [])
                    {
                        result[element.Name] = element.Value;
                    }
                }

                return result;
            }

            case "$size":
                return Arg0(args, root, vars).AsBsonArray.Count;
            case "$range":
                return new BsonArray(Enumerable.Range(Arg(0)!.AsInt32, Arg(1)!.AsInt32 - Arg(0)!.AsInt32));
            case "$arrayElemAt":
            {
                var array = Arg(0)!.AsBsonArray;
                int index = Arg(1)!.AsInt32;
                return index >= 0 && index < array.Count ? array[index] : null;
            }

            case "$concatArrays":
                return new BsonArray(args.AsBsonArray.SelectMany(a => Evaluate(a, root, vars)!.AsBsonArray));
            case "$slice":
            {
                Assert.That(args.AsBsonArray, Has.Count.EqualTo(2), "the model has the two-argument $slice only");
                var array = Arg(0)!.AsBsonArray;
                int n = Arg(1)!.ToInt32();
                return n >= 0 ? new BsonArray(array.Take(n)) : new BsonArray(array.Skip(Math.Max(0, array.Count + n)));
            }

            case "$setIntersection":
            {
                // Elements present in every input array, each once (MongoDB leaves the order unspecified).
                var arrays = args.AsBsonArray.Select(a => Evaluate(a, root, vars)).ToList();
                if (arrays.Any(a => a is null or BsonNull))
                {
                    return BsonNull.Value;
                }

                var first = arrays[0]!.AsBsonArray.Distinct().ToList();
                return new BsonArray(first.Where(v => arrays.Skip(1).All(a => a!.AsBsonArray.Any(w => Compare(v, w) == 0))));
            }

            case "$filter":
            case "$map":
            {
                string var = args["as"].AsString;
                var output = new BsonArray();
                foreach (var item in Named("input")!.AsBsonArray)
                {
                    var inner = new Dictionary<string, BsonValue?>(vars, StringComparer.Ordinal) { [var] = item };
                    if (name == "$map")
                    {
                        output.Add(Evaluate(args["in"], root, inner) ?? BsonNull.Value);
                    }
                    else if (Evaluate(args["cond"], root, inner) is { } keep && keep.ToBoolean())
                    {
                        output.Add(item);
                    }
                }

                return output;
            }

            case "$sum":
            {
                var operand = Evaluate(args, root, vars);
                var items = operand is BsonArray array ? array : new BsonArray { operand ?? BsonNull.Value };
                return items.Where(v => v.IsNumeric).Aggregate(0L, (total, v) => checked(total + v.ToInt64()));
            }

            case "$add":
            case "$subtract":
            {
                var values = args.AsBsonArray.Select(a => Evaluate(a, root, vars)).ToList();
                if (values.Any(v => v is null or BsonNull))
                {
                    return BsonNull.Value;
                }

                Assert.That(values.All(v => v!.IsInt32 || v.IsInt64), $"{name} of whole numbers only in this model");
                long result = name == "$add" ? values.Sum(v => v!.ToInt64()) : values[0]!.ToInt64() - values[1]!.ToInt64();
                return values.All(v => v!.IsInt32) && result is >= int.MinValue and <= int.MaxValue ? new BsonInt32((int)result) : new BsonInt64(result);
            }

            case "$max":
            {
                var present = args.AsBsonArray.Select(a => Evaluate(a, root, vars)).Where(v => v is not null and not BsonNull).ToList();
                return present.Count == 0 ? BsonNull.Value : present.Max()!;
            }

            case "$eq":
                return Compare(Arg(0), Arg(1)) == 0;
            case "$ne":
                return Compare(Arg(0), Arg(1)) != 0;
            case "$gt":
                return Compare(Arg(0), Arg(1)) > 0;
            case "$cond":
                return Arg(0)!.ToBoolean() ? Arg(1) : Arg(2);
            default:
                throw new AssertionException($"operator {name} is not modelled; model it from MongoDB's documentation first");
        }
    }

    private static BsonValue Arg0(BsonValue args, BsonDocument root, IReadOnlyDictionary<string, BsonValue?> vars) =>
        Evaluate(args is BsonArray { Count: 1 } one ? one[0] : args, root, vars)!;

    private static BsonDocument Arg0Document(BsonValue args, BsonDocument root, IReadOnlyDictionary<string, BsonValue?> vars) =>
        Arg0(args, root, vars).AsBsonDocument;

    /// <summary>Missing compares as null; numbers by value; everything else by BSON order.</summary>
    private static int Compare(BsonValue? a, BsonValue? b)
    {
        a ??= BsonNull.Value;
        b ??= BsonNull.Value;
        return a.IsNumeric && b.IsNumeric ? a.ToDouble().CompareTo(b.ToDouble()) : a.CompareTo(b);
    }
}
