using FeedbackRedis.Items;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The state of one group write: which batches are still live, why the others failed, and which items of the live
/// ones were refused one by one (those are left out of every later step; the rest of their batch goes on).
/// </summary>
internal sealed class GroupWrite(IReadOnlyList<FeedbackBatch> batches)
{
    /// <summary>Longest server message kept in a reason.</summary>
    private const int MaxMessageLength = 300;

    private readonly Dictionary<string, BatchWriteResult> _failed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<int, RejectedItem>> _rejected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _idConflicts = new(StringComparer.Ordinal);

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

    /// <summary>Refuses one item of a batch (its first reason is kept); later steps leave its event out.</summary>
    public void Reject(FeedbackBatch batch, int itemIndex, string reason)
    {
        if (!_rejected.TryGetValue(batch.BatchId, out var items))
        {
            items = [];
            _rejected[batch.BatchId] = items;
        }

        items.TryAdd(itemIndex, new RejectedItem(itemIndex, reason));
    }

    /// <summary>True when the item at <paramref name="itemIndex"/> of <paramref name="batch"/> was refused.</summary>
    public bool IsRejected(FeedbackBatch batch, int itemIndex) =>
        _rejected.TryGetValue(batch.BatchId, out var items) && items.ContainsKey(itemIndex);

    /// <summary>The events of <paramref name="batch"/> that were not refused, in batch order.</summary>
    public IEnumerable<ClaimedEvent> Kept(FeedbackBatch batch) =>
        _rejected.TryGetValue(batch.BatchId, out var items) ? batch.Events.Where(e => !items.ContainsKey(e.ItemIndex)) : batch.Events;

    /// <summary>The items of <paramref name="batch"/> refused so far, by item index.</summary>
    public IReadOnlyList<RejectedItem> Rejected(FeedbackBatch batch) =>
        _rejected.TryGetValue(batch.BatchId, out var items) ? [.. items.Values] : [];

    /// <summary>Notes that <paramref name="events"/> events of <paramref name="batch"/> carry an id already stored for another agent.</summary>
    public void IdConflicts(FeedbackBatch batch, int events) => _idConflicts[batch.BatchId] = events;

    /// <summary>
    /// Charges the write errors of one bulk write: operation <c>i</c> was sent for <c>owners[i]</c> (and, in the
    /// event step, for the event <c>events[i]</c>). A duplicate key is success. An error that concerns that one
    /// document (<see cref="MongoErrorClassifier.ConcernsOneDocument"/>) refuses the item when <paramref name="events"/>
    /// is given; any other error fails the batch, classified. An error whose index names no operation fails every
    /// owner: nothing may be reported written that the server did not confirm.
    /// </summary>
    /// <returns>How many batches failed and how many items were refused.</returns>
    public (int Failed, int Rejected) Charge(
        IEnumerable<BulkWriteError> errors,
        IReadOnlyList<FeedbackBatch> owners,
        IReadOnlyList<ClaimedEvent>? events,
        string step)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(owners);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        int rejected = 0;
        foreach (var error in errors)
        {
            var outcome = MongoErrorClassifier.ClassifyWriteError(error.Category, error.Code);
            if (outcome == SinkOutcome.Written)
            {
                continue;
            }

            string message = Bounded(error.Message);
            if (error.Index < 0 || error.Index >= owners.Count)
            {
                foreach (var owner in owners.Where(IsLive))
                {
                    Fail(owner, SinkOutcome.Failed, $"{step}: error {error.Code} for operation #{error.Index}, which was not sent: {message}");
                    failed.Add(owner.BatchId);
                }

                continue;
            }

            var batch = owners[error.Index];
            if (events is not null && MongoErrorClassifier.ConcernsOneDocument(error.Category, error.Code))
            {
                var e = events[error.Index];
                Reject(batch, e.ItemIndex, $"{step}: MongoDB refused the document of event {e.EventId} (item #{e.ItemIndex}): error {error.Code}: {message}");
                rejected++;
            }
            else if (IsLive(batch))
            {
                Fail(batch, outcome, $"{step}: {error.Code} {message}");
                failed.Add(batch.BatchId);
            }
        }

        return (failed.Count, rejected);
    }

    /// <summary>One result per batch, in group order: its failure, or written (except the items it refused).</summary>
    public IReadOnlyList<BatchWriteResult> Results() =>
        [.. batches.Select(b =>
            _failed.TryGetValue(b.BatchId, out var failure) ? failure
            : (_rejected.ContainsKey(b.BatchId) ? BatchWriteResult.WrittenExcept(b.BatchId, Rejected(b)) : BatchWriteResult.Written(b.BatchId))
                with { IdConflicts = _idConflicts.GetValueOrDefault(b.BatchId) })];

    private static string Bounded(string? message) =>
        message is null ? "" : message.Length <= MaxMessageLength ? message : message[..MaxMessageLength] + "...";
}
