namespace FeedbackRedis.Kafka;

/// <summary>
/// The source id of this process's fallback event ids, known once <see cref="SourceIdResolver"/> has run (at the
/// consumer's start, before the consumer loop). One per process; it never changes while the process runs.
/// </summary>
public sealed class SourceIdentity
{
    private string? _id;

    /// <summary>Not known yet: <see cref="SourceIdResolver"/> sets it at start-up.</summary>
    public SourceIdentity()
    {
    }

    /// <summary>Known from the start (tests, tools).</summary>
    public SourceIdentity(string id) => Set(id);

    /// <summary>The source id.</summary>
    /// <exception cref="InvalidOperationException">Asked before start-up resolved it (a wiring error, never a message's fault).</exception>
    public string Id => _id ?? throw new InvalidOperationException("the source id is not known yet: SourceIdResolver has not run");

    /// <summary>Whether <see cref="Id"/> is known.</summary>
    public bool IsKnown => _id is not null;

    internal void Set(string id)
    {
        if (SourceIds.Explain(id) is { } problem)
        {
            throw new ArgumentException($"'{id}' is not a source id: {problem}; allowed: {SourceIds.Allowed}", nameof(id));
        }

        if (Interlocked.CompareExchange(ref _id, id, null) is { } existing && existing != id)
        {
            throw new InvalidOperationException($"the source id is already '{existing}'");
        }
    }
}
