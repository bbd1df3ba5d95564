using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Steps 2 to 7 of a group write: who wrote each event first, which batches are marked, then each (batch, agent)
/// contribution applied once and confirmed by a read-back (records and guarded applies where the window no longer
/// answers), completions of gone owners, the markers, and compaction. docs/FLUSHING.md walks through every crash point.
/// </summary>
public sealed partial class MongoFeedbackSink
{
    /// <summary>Most rounds of record read and guarded apply one group write makes before it gives a batch up (retried later).</summary>
    internal const int MaxGuardRounds = 3;

    private async Task ApplyAggregatesAsync(GroupWrite write, IReadOnlyList<FeedbackBatch> group, IClientSessionHandle session, DateTime now, CancellationToken cancellationToken)
    {
        List<BsonDocument> firstWriters, markers;
        try
        {
            var ids = write.Live.SelectMany(write.Kept).Select(e => e.EventId).Distinct(StringComparer.Ordinal).ToList();
            firstWriters = await RunAsync(
                ct => _eventsRead.Find(session, MongoWriteModels.EventsByIdFilter(ids)).Project(MongoWriteModels.FirstWriterProjection()).ToListAsync(ct),
                cancellationToken);
            var keys = write.Live.Select(MongoWriteModels.BatchKey).ToList();
            markers = await RunAsync(
                ct => _batchesRead.Find(session, MongoWriteModels.EventsByIdFilter(keys)).Project(new BsonDocument("_id", 1)).ToListAsync(ct),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            write.FailAll(MongoErrorClassifier.Classify(ex), $"reading first writers: {ex.Message}");
            LogStepFailed(ex, "read", write.Live.Count);
            return;
        }

        var byId = firstWriters.ToDictionary(d => d["_id"].AsString, StringComparer.Ordinal);
        var marked = markers.Select(d => d["_id"].AsString).ToHashSet(StringComparer.Ordinal);
        var pending = new List<(FeedbackBatch Batch, IReadOnlyList<AgentContribution> Contributions)>();
        foreach (var batch in write.Live.Where(b => !marked.Contains(MongoWriteModels.BatchKey(b))))
        {
            var kept = write.Kept(batch).ToList();
            if (MongoWriteModels.IdConflicts(kept, byId) is { Count: > 0 } conflicts)
            {
                write.IdConflicts(batch, conflicts.Count);
                LogIdConflicts(conflicts.Count, batch.BatchId, conflicts[0].Event.EventId, conflicts[0].Event.AgentId, conflicts[0].StoredAgentId);
            }

            var owned = kept
                .Where(e => byId.TryGetValue(e.EventId, out var doc) && MongoWriteModels.WrittenFirstBy(doc, batch))
                .Select(e => e.EventId)
                .ToHashSet(StringComparer.Ordinal);
            var contributions = MongoWriteModels.Contributions(kept, owned);
            if (contributions.Count > 0 && MongoRetention.IsBeyondHorizon(batch.Claim.SealedAt, now, _options))
            {
                write.Fail(batch, SinkOutcome.Rejected, $"aggregates: batch {MongoWriteModels.BatchKey(batch)} was sealed more than {MongoRetention.Horizon(_options).TotalDays:N0} days ago, "
                    + $"past what apply records are kept for ({_options.ContributionRetentionDays} days minus one): applying it now could count it twice");
                LogBeyondHorizon(MongoWriteModels.BatchKey(batch), _options.ContributionRetentionDays);
                continue;
            }

            pending.Add((batch, contributions));
        }

        var groupKeys = group.Select(MongoWriteModels.BatchKey).ToHashSet(StringComparer.Ordinal);
        var candidates = OwnerCompletion.Candidates(pending.Select(p => (p.Batch, write.Kept(p.Batch))), byId, groupKeys, now, _options);
        var ledger = new AggregateLedger(pending, candidates);

        await EnsureAgentsAsync(write, ledger, session, now, cancellationToken);

        var applies = new List<WriteModel<BsonDocument>>();
        var applyOwners = new List<FeedbackBatch>();
        foreach (var p in ledger.All.Where(p => p.Batch is not null))
        {
            applies.Add(MongoWriteModels.ApplyContribution(p.Contribution!, ApplyGuard.Fast(p.BatchKey, p.SealedAtMs), _options.MaxReactionNames, now));
            applyOwners.Add(p.Batch!);
        }

        await BulkAsync(_agents, session, applies, applyOwners, write, "agents (apply)", cancellationToken);
        var states = await ConfirmAsync(write, ledger, session, now, cancellationToken);

        var marks = new List<WriteModel<BsonDocument>>();
        var markOwners = new List<FeedbackBatch>();
        foreach (var (batch, contributions) in pending.Where(p => write.IsLive(p.Batch)))
        {
            if (!ledger.AllApplied(batch))
            {
                int open = ledger.Of(batch).Count(p => p.Status != PairStatus.Applied);
                write.Fail(batch, SinkOutcome.Failed, $"aggregates: {open} agent contribution(s) of batch {MongoWriteModels.BatchKey(batch)} not confirmed after {MaxGuardRounds} guarded rounds");
                LogNotConfirmed(batch.BatchId, open, MaxGuardRounds);
                continue;
            }

            marks.Add(MongoWriteModels.BatchMarker(batch, contributions.Sum(c => c.Events), contributions.Select(c => c.AgentId), write.Rejected(batch).Count, now));
            markOwners.Add(batch);
        }

        await BulkAsync(_batches, session, marks, markOwners, write, "batch markers", cancellationToken);
        foreach (var done in ledger.All.Where(p => p.Owner is not null && p.Status == PairStatus.Applied && p.Contribution is not null))
        {
            LogOwnerCompleted(done.Contribution!.Events, done.BatchKey, done.AgentId, done.Owner!.Carrier.BatchId);
        }

        await CompactAsync(states, session, now, cancellationToken);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var live = write.Live;
            int events = live.Sum(b => b.Events.Count);
            long counted = pending.Where(p => write.IsLive(p.Batch)).Sum(p => p.Contributions.Sum(c => c.Events));
            LogGroupWritten(live.Count, events, counted);
        }
    }

    /// <summary>
    /// Step 4: makes sure each agent's document exists. The group's own contributions charge their batch; agents only a
    /// completion needs are ensured on a best-effort basis (a failure abandons those completions, never a batch).
    /// </summary>
    private async Task EnsureAgentsAsync(GroupWrite write, AggregateLedger ledger, IClientSessionHandle session, DateTime now, CancellationToken cancellationToken)
    {
        var ensures = new List<WriteModel<BsonDocument>>();
        var owners = new List<FeedbackBatch>();
        var ensured = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in ledger.All.Where(p => p.Batch is not null))
        {
            ensures.Add(MongoWriteModels.EnsureAgent(p.AgentId, now));
            owners.Add(p.Batch!);
            ensured.Add(p.AgentId);
        }

        await BulkAsync(_agents, session, ensures, owners, write, "agents (ensure)", cancellationToken);
        var onlyCompletions = ledger.All.Where(p => p.Owner is not null && !ensured.Contains(p.AgentId)).ToList();
        if (onlyCompletions.Count > 0)
        {
            var models = onlyCompletions.Select(p => p.AgentId).Distinct(StringComparer.Ordinal).Select(a => (WriteModel<BsonDocument>)MongoWriteModels.EnsureAgent(a, now)).ToList();
            await BestEffortAsync(onlyCompletions, ct => _agents.BulkWriteAsync(session, models, Unordered, ct), cancellationToken);
        }
    }

    /// <summary>
    /// Step 6: reads back every open contribution's agent (majority, in the session); what the window does not hold has
    /// its record read; what has none is applied with the guarded filter; then read back again, at most
    /// <see cref="MaxGuardRounds"/> times. Returns the latest guard state of each agent read (for compaction).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, AgentGuardState>> ConfirmAsync(GroupWrite write, AggregateLedger ledger, IClientSessionHandle session, DateTime now, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, AgentGuardState>(StringComparer.Ordinal);
        for (int round = 0; ledger.AnyOpen(write); round++)
        {
            try
            {
                var (agents, keys) = ledger.ReadBackOf(write);
                var states = await RunAsync(
                    ct => _agentsRead.Find(session, MongoWriteModels.EventsByIdFilter(agents)).Project(AppliedGuard.StateProjection(keys)).ToListAsync(ct),
                    cancellationToken);
                var byAgent = states.Select(AppliedGuard.State).ToDictionary(s => s.AgentId, StringComparer.Ordinal);
                foreach (var state in byAgent.Values)
                {
                    latest[state.AgentId] = state;
                }

                ledger.ObserveStates(byAgent, write);
                if (!ledger.AnyOpen(write) || round == MaxGuardRounds)
                {
                    break;
                }

                var ids = ledger.RecordIdsToCheck(write);
                var present = await RunAsync(
                    ct => _contributionsRead.Find(session, AppliedContributions.ByIdFilter(ids)).Project(new BsonDocument("_id", 1)).ToListAsync(ct),
                    cancellationToken);
                ledger.ObserveRecords(present.Select(d => d["_id"].AsString).ToHashSet(StringComparer.Ordinal), write);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var open = ledger.Active(write).Where(p => p.Batch is not null && p.Status != PairStatus.Applied).Select(p => p.Batch!).Distinct().ToList();
                write.FailAll(MongoErrorClassifier.Classify(ex), $"reading back aggregates: {ex.Message}", open);
                LogStepFailed(ex, "read-back", open.Count);
                return latest;
            }

            await ReadSharesAsync(write, ledger, session, cancellationToken);
            var own = ledger.ToApplyGuarded(write, completions: false);
            var models = own.Select(p => (WriteModel<BsonDocument>)MongoWriteModels.ApplyContribution(p.Contribution!, p.Guarded, _options.MaxReactionNames, now)).ToList();
            await BulkAsync(_agents, session, models, [.. own.Select(p => p.Batch!)], write, "agents (guarded apply)", cancellationToken);
            var completions = ledger.ToApplyGuarded(write, completions: true);
            if (completions.Count > 0)
            {
                var completing = completions.Select(p => (WriteModel<BsonDocument>)MongoWriteModels.ApplyContribution(p.Contribution!, p.Guarded, _options.MaxReactionNames, now)).ToList();
                await BestEffortAsync(completions, ct => _agents.BulkWriteAsync(session, completing, Unordered, ct), cancellationToken);
            }
        }

        return latest;
    }

    /// <summary>Reads the events of the owners whose share is to be completed (majority), and counts each share.</summary>
    private async Task ReadSharesAsync(GroupWrite write, AggregateLedger ledger, IClientSessionHandle session, CancellationToken cancellationToken)
    {
        var owners = ledger.SharesToRead(write);
        if (owners.Count == 0)
        {
            return;
        }

        try
        {
            var docs = await RunAsync(
                ct => _eventsRead.Find(session, OwnerCompletion.EventsFilter(owners)).Project(OwnerCompletion.EventsProjection()).ToListAsync(ct),
                cancellationToken);
            ledger.ObserveShares(owners, OwnerCompletion.Shares(owners, docs));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            foreach (var p in ledger.All.Where(p => p.Owner is not null && owners.Contains(p.Owner)))
            {
                AggregateLedger.Abandon(p);
            }

            LogCompletionFailed(ex, owners.Count);
        }
    }

    /// <summary>Runs a write for completions only: any failure abandons them for this write and fails no batch.</summary>
    private async Task BestEffortAsync(IReadOnlyList<PendingApply> completions, Func<CancellationToken, Task<BulkWriteResult<BsonDocument>>> bulk, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(bulk, cancellationToken);
        }
        catch (MongoBulkWriteException ex) when (ex.WriteConcernError is null && ex.WriteErrors.All(e => e.Category == ServerErrorCategory.DuplicateKey))
        {
            // an agent created at the same moment by another writer: it exists, which is all an ensure needs
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            foreach (var p in completions)
            {
                AggregateLedger.Abandon(p);
            }

            LogCompletionFailed(ex, completions.Count);
        }
    }
}
