using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// How the sink reads what decides whether to skip a write (first writers, batch markers, the agents' guard state, apply
/// records, an owner's events): read concern <c>majority</c>, inside one causally consistent session per group write.
/// Majority: a marker, window key or record that a failover could still roll back is not seen, so nothing is skipped on
/// its word. Causal: each read sees every write and read before it in the session (its own writes, and what an earlier
/// majority read saw), even across a failover, which the exactly-once argument in docs/FLUSHING.md relies on.
/// </summary>
internal static class MongoReads
{
    /// <summary>The read concern of every deciding read.</summary>
    public static readonly ReadConcern Concern = ReadConcern.Majority;

    /// <summary>The options of the session one group write runs in.</summary>
    public static ClientSessionOptions SessionOptions() => new() { CausalConsistency = true };

    /// <summary><paramref name="collection"/> as the sink reads it: majority read concern, from the primary.</summary>
    public static IMongoCollection<T> Deciding<T>(IMongoCollection<T> collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return collection.WithReadConcern(Concern).WithReadPreference(ReadPreference.Primary);
    }
}
