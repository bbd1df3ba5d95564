namespace FeedbackRedis.Batching;

/// <summary>One batch as inspection tools list it.</summary>
/// <param name="Id">An agent id or lane for an open batch; a batch id (<c>&lt;member&gt;:&lt;seq&gt;</c>) otherwise.</param>
/// <param name="State">Its state.</param>
/// <param name="Size">Its items.</param>
/// <param name="OpenedAt">When its first item arrived.</param>
/// <param name="Meta">The meta hash of a sealed batch (trigger, attempts, owner, lastError, ...); empty when open.</param>
public sealed record BatchSummary(string Id, BatchState State, long Size, DateTimeOffset OpenedAt, IReadOnlyDictionary<string, string> Meta)
{
    /// <summary>The last error recorded on the batch, if any.</summary>
    public string? LastError => Meta.TryGetValue("lastError", out var e) && e.Length > 0 ? e : null;
}
