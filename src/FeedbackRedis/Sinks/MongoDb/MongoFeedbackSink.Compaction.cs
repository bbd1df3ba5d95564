using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Keeps agent documents small: an agent whose window holds more than <see cref="MongoSinkOptions.AppliedBatchesKept"/>
/// keys has its oldest keys moved into apply records. Best effort and after the group's results are settled: a failure
/// leaves the keys where they are (still guarding), and a later write compacts them.
/// </summary>
public sealed partial class MongoFeedbackSink
{
    private async Task CompactAsync(IReadOnlyDictionary<string, AgentGuardState> states, IClientSessionHandle session, DateTime now, CancellationToken cancellationToken)
    {
        var agents = states.Values.Where(s => s.Keys > _options.AppliedBatchesKept).Select(s => s.AgentId).ToList();
        if (agents.Count == 0)
        {
            return;
        }

        try
        {
            var windows = await RunAsync(
                ct => _agentsRead.Find(session, MongoWriteModels.EventsByIdFilter(agents)).Project(AppliedContributions.WindowProjection()).ToListAsync(ct),
                cancellationToken);
            var plans = windows
                .Select(d => AppliedContributions.Plan(d["_id"].AsString, WindowOf(d), _options.AppliedBatchesKept))
                .OfType<CompactionPlan>()
                .ToList();
            if (plans.Count == 0)
            {
                return;
            }

            var records = new List<WriteModel<BsonDocument>>();
            var recordPlans = new List<CompactionPlan>();
            foreach (var plan in plans)
            {
                foreach (string key in plan.Evicted)
                {
                    records.Add(AppliedContributions.Record(key, plan.AgentId, now));
                    recordPlans.Add(plan);
                }
            }

            var unrecorded = new HashSet<CompactionPlan>();
            try
            {
                await RunAsync(ct => _contributions.BulkWriteAsync(session, records, Unordered, ct), cancellationToken);
            }
            catch (MongoBulkWriteException ex) when (ex.WriteConcernError is null)
            {
                foreach (var error in ex.WriteErrors.Where(e => e.Category != ServerErrorCategory.DuplicateKey))
                {
                    if (error.Index < 0 || error.Index >= recordPlans.Count)
                    {
                        unrecorded.UnionWith(plans);
                        break;
                    }

                    unrecorded.Add(recordPlans[error.Index]);
                }
            }

            // A key leaves the window only once its record is written (and acknowledged with the write concern).
            var compactions = plans.Where(p => !unrecorded.Contains(p)).Select(p => (WriteModel<BsonDocument>)AppliedContributions.Compact(p)).ToList();
            if (compactions.Count > 0)
            {
                await RunAsync(ct => _agents.BulkWriteAsync(session, compactions, Unordered, ct), cancellationToken);
            }

            if (unrecorded.Count > 0)
            {
                LogCompactionFailed(null, unrecorded.Count);
            }

            if (_logger.IsEnabled(LogLevel.Debug))
            {
                int moved = plans.Where(p => !unrecorded.Contains(p)).Sum(p => p.Evicted.Count);
                LogCompacted(moved, compactions.Count, _options.ContributionsCollection);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCompactionFailed(ex, agents.Count);
        }
    }

    private static IEnumerable<string> WindowOf(BsonDocument agent) =>
        agent.TryGetValue(AppliedGuard.KeysField, out var keys) && keys.IsBsonArray
            ? keys.AsBsonArray.Where(k => k.IsString).Select(k => k.AsString)
            : [];
}
