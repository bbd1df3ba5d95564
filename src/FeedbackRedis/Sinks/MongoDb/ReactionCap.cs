using MongoDB.Bson;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The <c>reactions</c> expression of <see cref="MongoWriteModels.ApplyContribution"/>: adds one contribution's reaction
/// counts to an agent's <c>reactions</c> object while keeping at most <c>maxNames</c> distinct names, inside the one
/// atomic update per (agent, batch). The names are applied in ordinal order, as if one by one: a name that is already
/// a key, or arrives while the object has fewer than <c>maxNames</c> keys, gets its own counter; any other adds to
/// <see cref="OtherField"/> (which is a key like the others once it exists, so a real reaction named <c>other</c>
/// shares it). Every count is kept: the total under <c>reactions</c> grows by exactly the contribution's total.
/// </summary>
/// <remarks>
/// <para>How, without evaluating names one after another: the names go into the update as a sorted constant array,
/// and each also as the constant <c>field</c> of one <c>$getField</c> (MongoDB 5.0 to 7.1 accept only constant field
/// names there), so the current counts are one array read in one pass. The names that are not keys yet ("fresh")
/// are then the indexes whose current count is null, in sorted order; the first <c>maxNames - keys</c> of them get a
/// counter, the rest spill into <c>other</c>. That is the same result as applying them one by one, since once the
/// object is full no later name can be admitted. The cost is linear in the names and the keys, the expression's
/// nesting is fixed (not one level per name), and it needs MongoDB 5.0 or later (feature compatibility 5.0).</para>
/// <para>The update carries each name about twice, so its size grows with the contribution's distinct names. At most
/// <see cref="MaxNamesPerUpdate"/> names are sent one by one; the counts of names beyond them (in sorted order) are
/// added to <c>other</c> directly, even where such a name is a key already. Only a contribution of more than 20,000
/// distinct names, far past any cap, sees that.</para>
/// </remarks>
internal static class ReactionCap
{
    /// <summary>The counter of reactions whose names found no room.</summary>
    public const string OtherField = "other";

    /// <summary>
    /// Most names one update sends individually: with names of at most 64 UTF-16 characters (192 bytes of UTF-8), about
    /// 9 MB, inside MongoDB's 16 MB limit for one statement. Twice the largest cap, so below it every name is exact.
    /// </summary>
    public const int MaxNamesPerUpdate = 20_000;

    /// <summary>
    /// The contribution as the update sends it: names sanitised again (<see cref="MongoWriteModels.ReactionField"/>, so a
    /// hand-built contribution cannot smuggle in a field path), merged, without non-positive counts, in ordinal order;
    /// and the total of the names past <see cref="MaxNamesPerUpdate"/>, which go to <see cref="OtherField"/>.
    /// </summary>
    public static (IReadOnlyList<KeyValuePair<string, long>> Named, long Folded) Prepare(IReadOnlyDictionary<string, long> reactions)
    {
        ArgumentNullException.ThrowIfNull(reactions);
        var merged = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, count) in reactions)
        {
            if (count > 0)
            {
                string field = MongoWriteModels.ReactionField(name);
                merged[field] = merged.GetValueOrDefault(field) + count;
            }
        }

        var named = merged.Take(MaxNamesPerUpdate).ToList();
        long folded = merged.Skip(MaxNamesPerUpdate).Sum(r => r.Value);
        return (named, folded);
    }

    /// <summary>
    /// The expression for <c>reactions</c> in the update pipeline's <c>$set</c>, or null when the contribution has no
    /// reactions (the field is then left as it is).
    /// </summary>
    public static BsonDocument? Expression(IReadOnlyDictionary<string, long> reactions, int maxNames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNames, 1);
        var (named, folded) = Prepare(reactions);
        if (named.Count == 0)
        {
            return null;
        }

        var indexes = new BsonArray { 0, named.Count };
        BsonValue spill = new BsonDocument("$subtract", new BsonArray
        {
            new BsonDocument("$sum", "$$counts"),
            new BsonDocument("$sum", Map("$$take", new BsonDocument("$arrayElemAt", new BsonArray { "$$counts", "$$i" }))),
        });
        if (folded > 0)
        {
            spill = new BsonDocument("$add", new BsonArray { spill, folded });
        }

        // Innermost first: the result, then each $let around it, so the document reads from the outside in.
        var result = new BsonDocument("$cond", new BsonArray
        {
            new BsonDocument("$gt", new BsonArray { "$$spill", 0 }),
            new BsonDocument("$mergeObjects", new BsonArray
            {
                "$$merged",
                new BsonDocument(OtherField, new BsonDocument("$add", new BsonArray
                {
                    new BsonDocument("$ifNull", new BsonArray { GetField(OtherField, "$$merged"), 0 }),
                    "$$spill",
                })),
            }),
            "$$merged",
        });
        var counted = Let(
            new BsonDocument
            {
                {
                    "merged", new BsonDocument("$mergeObjects", new BsonArray
                    {
                        "$$r",
                        new BsonDocument("$arrayToObject", Map("$$take", new BsonDocument
                        {
                            { "k", new BsonDocument("$arrayElemAt", new BsonArray { "$$names", "$$i" }) },
                            {
                                "v", new BsonDocument("$add", new BsonArray
                                {
                                    new BsonDocument("$ifNull", new BsonArray { new BsonDocument("$arrayElemAt", new BsonArray { "$$cur", "$$i" }), 0 }),
                                    new BsonDocument("$arrayElemAt", new BsonArray { "$$counts", "$$i" }),
                                })
                            },
                        })),
                    })
                },
                { "spill", spill },
            },
            result);
        var taken = Let(
            new BsonDocument("take", new BsonDocument("$concatArrays", new BsonArray
            {
                "$$known",
                new BsonDocument("$slice", new BsonArray { "$$fresh", "$$free" }),
            })),
            counted);
        var split = Let(
            new BsonDocument
            {
                { "known", Filter(indexes, new BsonDocument("$ne", new BsonArray { CurrentAt("$$i"), BsonNull.Value })) },
                { "fresh", Filter(indexes, new BsonDocument("$eq", new BsonArray { CurrentAt("$$i"), BsonNull.Value })) },
            },
            taken);
        var current = Let(
            new BsonDocument
            {
                { "cur", new BsonArray(named.Select(n => GetField(n.Key, "$$r"))) },
                {
                    "free", new BsonDocument("$max", new BsonArray
                    {
                        0,
                        new BsonDocument("$subtract", new BsonArray { maxNames, new BsonDocument("$size", new BsonDocument("$objectToArray", "$$r")) }),
                    })
                },
            },
            split);
        return Let(
            new BsonDocument
            {
                { "r", new BsonDocument("$ifNull", new BsonArray { "$reactions", new BsonDocument() }) },
                { "names", new BsonDocument("$literal", new BsonArray(named.Select(n => n.Key))) },
                { "counts", new BsonDocument("$literal", new BsonArray(named.Select(n => n.Value))) },
            },
            current);
    }

    /// <summary><c>{$getField: {field: {$literal: name}, input}}</c>: a constant field name, whatever its characters.</summary>
    private static BsonDocument GetField(string name, string input) =>
        new("$getField", new BsonDocument { { "field", new BsonDocument("$literal", name) }, { "input", input } });

    private static BsonDocument CurrentAt(string index) => new("$arrayElemAt", new BsonArray { "$$cur", index });

    private static BsonDocument Let(BsonDocument vars, BsonDocument body) =>
        new("$let", new BsonDocument { { "vars", vars }, { "in", body } });

    private static BsonDocument Filter(BsonArray range, BsonDocument condition) =>
        new("$filter", new BsonDocument { { "input", new BsonDocument("$range", range) }, { "as", "i" }, { "cond", condition } });

    private static BsonDocument Map(string input, BsonDocument body) =>
        new("$map", new BsonDocument { { "input", input }, { "as", "i" }, { "in", body } });
}
