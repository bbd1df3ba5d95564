using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>The indexes the sink creates at start-up (creating an existing index is a no-op).</summary>
internal static class MongoIndexes
{
    /// <summary>Events: by batch (operators: "what did batch X write"), and by agent, newest first (reads per agent).</summary>
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
}
