namespace FeedbackRedis.Batching;

/// <summary>What <see cref="RedisBatchStore.DropDeadAsync"/> did.</summary>
public enum DropOutcome
{
    /// <summary>The dead batch is gone and its ids are released.</summary>
    Dropped,

    /// <summary>No dead batch has that id (it was replayed meanwhile, or never dead); nothing changed.</summary>
    NotDead,

    /// <summary>The batch's length differs from the items the caller read; nothing changed.</summary>
    Changed,
}
