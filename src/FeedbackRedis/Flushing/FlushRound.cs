namespace FeedbackRedis.Flushing;

/// <summary>What one flusher round did (for logs and tests).</summary>
/// <param name="Sealed">Due batches sealed.</param>
/// <param name="Claimed">Batches claimed.</param>
/// <param name="Acked">Batches written, announced and acked.</param>
/// <param name="Retried">Batches released to be retried after a delay.</param>
/// <param name="Returned">Batches given back untried or unfinished (sink unavailable, shutdown, lost lease).</param>
/// <param name="Dead">Batches parked as dead.</param>
/// <param name="Lost">Batches whose lease was lost before the ack (another flusher writes them again).</param>
public sealed record FlushRound(int Sealed, int Claimed, int Acked, int Retried, int Returned, int Dead, int Lost)
{
    /// <summary>Items moved out of written batches into dead batches of their own.</summary>
    public int Quarantined { get; init; }

    public static readonly FlushRound Empty = new(0, 0, 0, 0, 0, 0, 0);

    public FlushRound Plus(FlushRound other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Sealed + other.Sealed, Claimed + other.Claimed, Acked + other.Acked, Retried + other.Retried,
            Returned + other.Returned, Dead + other.Dead, Lost + other.Lost) { Quarantined = Quarantined + other.Quarantined };
    }
}
