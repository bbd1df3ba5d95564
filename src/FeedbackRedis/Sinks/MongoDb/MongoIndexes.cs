using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>The indexes the sink creates at start-up (creating an existing index is a no-op).</summary>
internal static class MongoIndexes
{
    /// <summary>Name of the TTL index of the apply records.</summary>
    public const string ContributionsTtl = "sealedAt_ttl";

    /// <summary>Server code of "an index of that name exists with other options" (a changed TTL).</summary>
    public const int IndexOptionsConflict = 85;

    /// <summary>Events: by batch (operators: "what did batch X write"; completions read an owner's share by it), and by agent, newest first (reads per agent).</summary>
    public static readonly CreateIndexModel<BsonDocument>[] Events =
    [
        new(new BsonDocument("batchId", 1), new CreateIndexOptions { Name = "batchId_1" }),
        new(new BsonDocument { { "agentId", 1 }, { "occurredAt", -1 } }, new CreateIndexOptions { Name = "agentId_1_occurredAt_-1" }),
    ];

    /// <summary>Batch markers: by flush time (operators, and a TTL later if markers are ever expired).</summary>
    public static readonly CreateIndexModel<BsonDocument>[] Batches =
    [
        new(new BsonDocument("flushedAt", 1), new CreateIndexOptions { Name = "flushedAt_1" }),
    ];

    /// <summary>
    /// Apply records: expire <paramref name="lifetime"/> after their batch's seal (<see cref="MongoRetention"/>). The
    /// <c>_id</c> index (<c>&lt;batchKey&gt;|&lt;agentId&gt;</c>) serves the guard's reads and an operator's
    /// "which agents of batch K" (a prefix match on <c>_id</c>).
    /// </summary>
    public static CreateIndexModel<BsonDocument>[] Contributions(TimeSpan lifetime) =>
    [
        new(new BsonDocument("sealedAt", 1), new CreateIndexOptions { Name = ContributionsTtl, ExpireAfter = lifetime }),
    ];

    /// <summary>
    /// The command that changes the records' TTL in place when the retention setting changed:
    /// <c>{collMod: collection, index: {name: "sealedAt_ttl", expireAfterSeconds}}</c>.
    /// </summary>
    public static BsonDocument RetentionChange(string collection, TimeSpan lifetime) => new()
    {
        { "collMod", collection },
        { "index", new BsonDocument { { "name", ContributionsTtl }, { "expireAfterSeconds", (long)lifetime.TotalSeconds } } },
    };
}
