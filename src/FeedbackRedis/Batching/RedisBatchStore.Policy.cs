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
    /// <exception cref="ArgumentException">The member is not an agent id or lane, or the policy is out of range.</exception>
    public async Task SetPolicyAsync(string member, BatchPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        CheckMember(member);
        if (policy.Explain() is { } problem)
        {
            throw new ArgumentException(problem, nameof(policy));
        }

        cancellationToken.ThrowIfCancellationRequested();
        await RunAsync("policy", () => _db.HashSetAsync(Keys.Policy(Keys.ShardOf(member)), member, policy.Format()));
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
