using FeedbackRedis.Items;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

public sealed partial class RedisBatchStore
{
    /// <summary>
    /// Sets <paramref name="member"/>'s batch policy, replacing any it had (parts not given follow the global settings),
    /// in the shard that holds its batches (<c>P:policy</c>, field = member). It applies from the member's next append: a
    /// smaller batch size or byte limit seals an open batch already at or over it then; a new batch time applies from
    /// the next batch the member opens (the open one keeps its deadline).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The member is not an agent id or lane, the policy is out of range, or it cannot apply to the member in this mode
    /// (<see cref="ExplainPolicyMember"/>).
    /// </exception>
    public async Task SetPolicyAsync(string member, BatchPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        CheckMember(member);
        if ((policy.Explain() ?? ExplainPolicyMember(member, policy)) is { } problem)
        {
            throw new ArgumentException(problem, nameof(policy));
        }

        cancellationToken.ThrowIfCancellationRequested();
        await RunAsync("policy", () => _db.HashSetAsync(Keys.Policy(Keys.ShardOf(member)), member, policy.Format()));
    }

    /// <summary>
    /// Changes parts of <paramref name="member"/>'s policy: the parts <paramref name="set"/> gives replace the member's, the
    /// parts in <paramref name="remove"/> are removed, the others stay; a policy left with no part is deleted. Atomic
    /// against other writers (an optimistic transaction on the member's entry, retried). Applies as
    /// <see cref="SetPolicyAsync"/> does.
    /// </summary>
    /// <returns>The policy before and after (null: none, the global settings).</returns>
    /// <exception cref="ArgumentException">As <see cref="SetPolicyAsync"/>, or nothing to change.</exception>
    public async Task<(BatchPolicy? Before, BatchPolicy? After)> UpdatePolicyAsync(
        string member, BatchPolicy set, PolicyParts remove = PolicyParts.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        CheckMember(member);
        if (set.IsEmpty && remove == PolicyParts.None)
        {
            throw new ArgumentException(set.Explain(), nameof(set));
        }

        if (set.ExplainRanges() is { } problem)
        {
            throw new ArgumentException(problem, nameof(set));
        }

        var key = Keys.Policy(Keys.ShardOf(member));
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await RunAsync("policy", () => _db.HashGetAsync(key, member));
            var before = stored.IsNull ? null : BatchPolicy.Parse(stored!);
            var after = (before ?? BatchPolicy.None).Merge(set, remove);
            if (ExplainPolicyMember(member, after) is { } refused)
            {
                throw new ArgumentException(refused, nameof(set));
            }

            var transaction = _db.CreateTransaction();
            transaction.AddCondition(stored.IsNull ? Condition.HashNotExists(key, member) : Condition.HashEqual(key, member, stored));
            _ = after.IsEmpty ? transaction.HashDeleteAsync(key, member) : transaction.HashSetAsync(key, member, after.Format());
            if (await RunAsync("policy", () => transaction.ExecuteAsync()))
            {
                return (before, after.IsEmpty ? null : after);
            }

            if (attempt == 10)
            {
                throw new BatchStoreUnavailableException($"the policy of {member} changed under 10 updates in a row; try again");
            }
        }
    }

    /// <summary>
    /// Why <paramref name="policy"/> cannot apply to <paramref name="member"/> in this store's mode, or null. A lane
    /// (<c>#global-N</c>) owns open batches only in global mode; in hybrid mode the lowest lane of each shard
    /// (<see cref="KeySchema.ShardLane"/>) owns the batches the global trigger combines, which its batch size and byte
    /// limit bound, and which are sealed as they are made (so a batch time cannot apply); in agent mode no lane owns
    /// anything.
    /// </summary>
    internal string? ExplainPolicyMember(string member, BatchPolicy policy)
    {
        if (!AgentIds.IsLane(member) || Options.Mode == BatchingMode.Global)
        {
            return null;
        }

        if (Options.Mode == BatchingMode.Agent)
        {
            return $"{member} is a global lane, which owns no batches in agent mode (FEEDBACK_BATCHING_MODE=agent here); give an agent id";
        }

        var lanes = Enumerable.Range(0, Keys.ShardCount).Select(Keys.ShardLane).ToList();
        if (!lanes.Contains(member, StringComparer.Ordinal))
        {
            return $"{member} owns no batches in hybrid mode (FEEDBACK_BATCHING_MODE=hybrid here): the global trigger combines into "
                + $"{(lanes.Count == 1 ? "" : "the lowest lane of each shard, ")}{string.Join(", ", lanes.Take(8))}{(lanes.Count > 8 ? ", ..." : "")}";
        }

        return policy.BatchTimeMs is null
            ? null
            : $"{member}: --batch-time-ms does not apply to a lane in hybrid mode (FEEDBACK_BATCHING_MODE=hybrid here): its combined batches "
                + "are sealed as they are made; give --batch-size or --max-bytes";
    }

    /// <summary>The policy of <paramref name="member"/>, or null when it follows the global settings. Read-only.</summary>
    public async Task<BatchPolicy?> GetPolicyAsync(string member, CancellationToken cancellationToken = default)
    {
        CheckMember(member);
        cancellationToken.ThrowIfCancellationRequested();
        var value = await RunAsync("policy", () => _db.HashGetAsync(Keys.Policy(Keys.ShardOf(member)), member));
        return value.IsNull ? null : BatchPolicy.Parse(value!);
    }

    /// <summary>Every member with a policy, over all shards, ordered by member. Read-only.</summary>
    public async Task<IReadOnlyList<(string Member, BatchPolicy Policy)>> ListPoliciesAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<(string, BatchPolicy)>();
        for (int shard = 0; shard < Keys.ShardCount; shard++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entries = await RunAsync("policy", () => _db.HashGetAllAsync(Keys.Policy(shard)));
            list.AddRange(entries.Select(e => ((string)e.Name!, BatchPolicy.Parse(e.Value!))));
        }

        return [.. list.OrderBy(p => p.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Removes <paramref name="member"/>'s policy (it follows the global settings from its next append); false when it had none.</summary>
    public async Task<bool> ClearPolicyAsync(string member, CancellationToken cancellationToken = default)
    {
        CheckMember(member);
        cancellationToken.ThrowIfCancellationRequested();
        return await RunAsync("policy", () => _db.HashDeleteAsync(Keys.Policy(Keys.ShardOf(member)), member));
    }

    /// <summary>The openedAt in a <c>P:opened</c> value (<c>openedAt:hardMax</c>), or null when there is none (the deadline says it).</summary>
    private static long? StoredOpenedAt(RedisValue stored)
    {
        if (stored.IsNullOrEmpty)
        {
            return null;
        }

        string text = stored!;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return ScriptValues.ParseLong(colon > 0 ? text[..colon] : text);
    }
}
