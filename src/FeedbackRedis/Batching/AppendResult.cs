namespace FeedbackRedis.Batching;

/// <summary>What one append did.</summary>
/// <param name="Added">Events added to open batches.</param>
/// <param name="Duplicates">Events skipped: their id was in the duplicate guard (appended before and not yet acked).</param>
/// <param name="Sealed">Batches sealed by the append (size, overflow or global trigger).</param>
public sealed record AppendResult(int Added, int Duplicates, int Sealed)
{
    internal static readonly AppendResult None = new(0, 0, 0);

    internal AppendResult Plus(AppendResult other) =>
        new(Added + other.Added, Duplicates + other.Duplicates, Sealed + other.Sealed);
}
