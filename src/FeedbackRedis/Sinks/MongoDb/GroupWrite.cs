namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>The state of one group write: which batches are still live, and why the others failed.</summary>
internal sealed class GroupWrite(IReadOnlyList<FeedbackBatch> batches)
{
    private readonly Dictionary<string, BatchWriteResult> _failed = new(StringComparer.Ordinal);

    /// <summary>Batches with no failure so far, in group order.</summary>
    public IReadOnlyList<FeedbackBatch> Live => [.. batches.Where(IsLive)];

    public int FailedCount => _failed.Count;

    public bool IsLive(FeedbackBatch batch) => !_failed.ContainsKey(batch.BatchId);

    /// <summary>Records the first failure of a batch; later steps skip it.</summary>
    public void Fail(FeedbackBatch batch, SinkOutcome outcome, string reason) =>
        _failed.TryAdd(batch.BatchId, new BatchWriteResult(batch.BatchId, outcome, reason));

    /// <summary>Fails every batch of <paramref name="these"/> (all of the group when null).</summary>
    public void FailAll(SinkOutcome outcome, string reason, IEnumerable<FeedbackBatch>? these = null)
    {
        foreach (var batch in these ?? batches)
        {
            Fail(batch, outcome, reason);
        }
    }

    /// <summary>One result per batch, in group order.</summary>
    public IReadOnlyList<BatchWriteResult> Results() =>
        [.. batches.Select(b => _failed.TryGetValue(b.BatchId, out var failure) ? failure : BatchWriteResult.Written(b.BatchId))];
}
