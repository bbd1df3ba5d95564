using MongoDB.Bson;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The (batch, agent) contributions of one group write and where each stands, as pure bookkeeping: the sink sends what
/// it says, feeds it what the reads return, and asks it what to send next. Each contribution is either a group batch's
/// own (it must end <see cref="PairStatus.Applied"/> for the batch to be marked) or a completion of an owner's share
/// (best effort: never fails the group's batches).
/// </summary>
internal sealed class AggregateLedger
{
    private readonly List<PendingApply> _all;
    private readonly Dictionary<FeedbackBatch, List<PendingApply>> _byBatch = new(ReferenceEqualityComparer.Instance);

    public AggregateLedger(IEnumerable<(FeedbackBatch Batch, IReadOnlyList<AgentContribution> Contributions)> pending, IEnumerable<OwnerShare> completions)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(completions);
        _all =
        [
            .. pending.SelectMany(p => p.Contributions.Select(c => new PendingApply(p.Batch, null, MongoWriteModels.BatchKey(p.Batch), MongoWriteModels.SealedAtMs(p.Batch), c.AgentId) { Contribution = c })),
            .. completions.Select(s => new PendingApply(null, s, s.OwnerKey, s.OwnerSealedAtMs, s.AgentId) { Status = PairStatus.CheckRecord }),
        ];
        foreach (var p in _all.Where(p => p.Batch is not null))
        {
            (_byBatch.TryGetValue(p.Batch!, out var list) ? list : _byBatch[p.Batch!] = []).Add(p);
        }
    }

    /// <summary>Every contribution, group batches' first, in the order they were given.</summary>
    public IReadOnlyList<PendingApply> All => _all;

    /// <summary>The contributions of batches still live (and completions still tried): what the next step is about.</summary>
    public IEnumerable<PendingApply> Active(GroupWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return _all.Where(p => p.Batch is null ? p.Status != PairStatus.Abandoned : write.IsLive(p.Batch));
    }

    /// <summary>True while an active contribution is not known applied.</summary>
    public bool AnyOpen(GroupWrite write) => Active(write).Any(p => p.Status != PairStatus.Applied);

    /// <summary>Agents to read back, and the keys to ask their windows about.</summary>
    public (IReadOnlyList<string> Agents, IReadOnlyList<string> Keys) ReadBackOf(GroupWrite write)
    {
        var open = Active(write).Where(p => p.Status != PairStatus.Applied).ToList();
        return ([.. open.Select(p => p.AgentId).Distinct(StringComparer.Ordinal)], [.. open.Select(p => p.BatchKey).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Takes in a read-back of agent documents: each open contribution whose key the window holds is applied; the others
    /// must have their record read (<see cref="AppliedGuard.Decide"/>), and remember the epoch read.
    /// </summary>
    public void ObserveStates(IReadOnlyDictionary<string, AgentGuardState> states, GroupWrite write)
    {
        ArgumentNullException.ThrowIfNull(states);
        foreach (var p in Active(write).Where(p => p.Status != PairStatus.Applied))
        {
            var state = states.GetValueOrDefault(p.AgentId);
            p.Status = AppliedGuard.Decide(p.BatchKey, state, recordPresent: null);
            p.Epoch = state?.Epoch ?? BsonNull.Value;
        }
    }

    /// <summary>The record ids to read now.</summary>
    public IReadOnlyList<string> RecordIdsToCheck(GroupWrite write) =>
        [.. Active(write).Where(p => p.Status == PairStatus.CheckRecord).Select(p => p.RecordId).Distinct(StringComparer.Ordinal)];

    /// <summary>Takes in which of the records asked for exist: applied, or to be applied with the guarded filter.</summary>
    public void ObserveRecords(IReadOnlySet<string> present, GroupWrite write)
    {
        ArgumentNullException.ThrowIfNull(present);
        foreach (var p in Active(write).Where(p => p.Status == PairStatus.CheckRecord))
        {
            p.Status = AppliedGuard.Decide(p.BatchKey, null, present.Contains(p.RecordId));
        }
    }

    /// <summary>Completions to apply whose owner's share has not been read yet.</summary>
    public IReadOnlyList<OwnerShare> SharesToRead(GroupWrite write) =>
        [.. Active(write).Where(p => p.Owner is not null && p.Status == PairStatus.ApplyGuarded && p.Contribution is null).Select(p => p.Owner!)];

    /// <summary>Takes in the owners' shares read: a completion with no countable event is abandoned.</summary>
    public void ObserveShares(IReadOnlyList<OwnerShare> asked, IReadOnlyDictionary<OwnerShare, AgentContribution> shares)
    {
        ArgumentNullException.ThrowIfNull(asked);
        ArgumentNullException.ThrowIfNull(shares);
        var wanted = asked.ToHashSet();
        foreach (var p in _all.Where(p => p.Owner is not null && wanted.Contains(p.Owner)))
        {
            if (shares.TryGetValue(p.Owner!, out var share))
            {
                p.Contribution = share;
            }
            else
            {
                p.Status = PairStatus.Abandoned;
            }
        }
    }

    /// <summary>Gives up a completion for this write.</summary>
    public static void Abandon(PendingApply completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        completion.Status = PairStatus.Abandoned;
    }

    /// <summary>The contributions to apply now with the guarded filter (own ones, or completions).</summary>
    public IReadOnlyList<PendingApply> ToApplyGuarded(GroupWrite write, bool completions) =>
        [.. Active(write).Where(p => p.Status == PairStatus.ApplyGuarded && p.Contribution is not null && (p.Owner is not null) == completions)];

    /// <summary>True when every contribution of <paramref name="batch"/> is applied.</summary>
    public bool AllApplied(FeedbackBatch batch) => Of(batch).All(p => p.Status == PairStatus.Applied);

    /// <summary>The contributions of <paramref name="batch"/>.</summary>
    public IReadOnlyList<PendingApply> Of(FeedbackBatch batch) => _byBatch.TryGetValue(batch, out var list) ? list : [];
}

/// <summary>
/// One contribution of a group write: a group batch's own (<paramref name="batch"/>) or a completion of an owner's
/// share (<paramref name="owner"/>), applied under <paramref name="batchKey"/> to <paramref name="agentId"/>.
/// </summary>
internal sealed class PendingApply(FeedbackBatch? batch, OwnerShare? owner, string batchKey, long sealedAtMs, string agentId)
{
    public FeedbackBatch? Batch { get; } = batch;

    public OwnerShare? Owner { get; } = owner;

    public string BatchKey { get; } = batchKey;

    public long SealedAtMs { get; } = sealedAtMs;

    public string AgentId { get; } = agentId;

    /// <summary>What is added; for a completion, null until the owner's share is read.</summary>
    public AgentContribution? Contribution { get; set; }

    public PairStatus Status { get; set; } = PairStatus.Sent;

    /// <summary>The agent's epoch at the latest read-back (what a guarded apply compares with).</summary>
    public BsonValue Epoch { get; set; } = BsonNull.Value;

    public string RecordId => AppliedContributions.RecordId(BatchKey, AgentId);

    /// <summary>The guarded form of this contribution's filter, with the epoch last read.</summary>
    public ApplyGuard Guarded => ApplyGuard.Guarded(BatchKey, SealedAtMs, Epoch);
}
