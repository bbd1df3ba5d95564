namespace FeedbackRedis.Sinks.File;

/// <summary>What a file sink's file holds, counted by <see cref="FileSinkReader"/>.</summary>
/// <param name="Lines">Readable lines (each one event written once; a re-flushed batch's events appear again).</param>
/// <param name="TornLines">
/// Non-empty lines that are not one whole JSON object with the sink's fields (eventId, agentId, type, batchId, writer):
/// what a write cut short by a crash leaves. Each is a line of its own; none hides another line's event.
/// </param>
/// <param name="Agents">Per agent, counted over distinct event ids.</param>
/// <param name="WritersByBatch">Per batch id, the distinct flushers (lease owners) that wrote it.</param>
public sealed record FileSinkSummary(
    long Lines,
    long TornLines,
    IReadOnlySet<string> EventIds,
    IReadOnlyDictionary<string, AgentCounts> Agents,
    IReadOnlyDictionary<string, IReadOnlySet<string>> WritersByBatch)
{
    /// <summary>Distinct event ids: what counts.</summary>
    public int DistinctEvents => EventIds.Count;

    /// <summary>Lines beyond the distinct events: re-writes after a crash or a lost lease.</summary>
    public long Rewrites => Lines - DistinctEvents;
}

/// <summary>One agent's feedback, over distinct event ids.</summary>
public sealed record AgentCounts(long Events, long Replies, IReadOnlyDictionary<string, long> Reactions);
