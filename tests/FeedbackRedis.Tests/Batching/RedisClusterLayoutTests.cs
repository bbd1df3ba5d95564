using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>The cluster key layout against a real 3-master Redis Cluster: every script's keys share its hash slot.</summary>
[Category("Process")]
public sealed class RedisClusterLayoutTests
{
    [Test]
    public async Task EveryOperation_WorksOnARealCluster_AndSpreadsShardsOverTheMasters()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.RedisShards = 12; o.BatchSize = 5; o.MaxOpenBatches = 1000; o.MaxAttempts = 1; }, time, connection);
        var events = Enumerable.Range(0, 60).SelectMany(a => TestStores.Events($"agent-{a}", 7)).ToList();

        var appended = await store.AppendAsync(events);
        var holding = new List<int>();
        foreach (var server in connection.GetServers())
        {
            int n = 0;
            await foreach (var _ in server.KeysAsync(pattern: store.Keys.AllKeysPattern))
            {
                n++;
            }

            holding.Add(n);
        }

        Assert.That(holding.Count(n => n > 0), Is.GreaterThanOrEqualTo(2), $"batches spread over the masters ({string.Join(", ", holding)})");
        time.Advance(store.Options.BatchTime);
        int due = await store.SealDueAsync();
        var claimed = await store.ClaimAsync("f", 1000, 100_000);
        var poisoned = claimed[0];
        Assert.That(await store.ReleaseAsync(poisoned.Lease, ReleaseMode.Dead, "test"), Is.EqualTo(ReleaseOutcome.Dead));
        Assert.That(await store.ReplayAsync(poisoned.BatchId), Is.True);
        claimed = [.. claimed.Skip(1), .. await store.ClaimAsync("f", 1000, 100_000)];

        Assert.Multiple(() =>
        {
            Assert.That(appended, Is.EqualTo(new AppendResult(420, 0, 60)));
            Assert.That(due, Is.EqualTo(60));
            Assert.That(claimed, Has.Count.EqualTo(120));
            Assert.That(claimed.SelectMany(b => b.Items).Select(TestStores.EventIdOf), Is.EquivalentTo(events.Select(e => e.EventId)));
        });
        foreach (var batch in claimed)
        {
            Assert.That(await store.AckAsync(batch), Is.True);
        }

        var counts = await store.GetCountsAsync();
        Assert.That((counts.OpenBatches, counts.ReadyBatches, counts.InFlightBatches, counts.DeadBatches, counts.PendingEvents), Is.EqualTo((0L, 0L, 0L, 0L, 0L)));
        var keysPerMaster = new List<int>();
        foreach (var server in connection.GetServers())
        {
            int n = 0;
            await foreach (var key in server.KeysAsync(pattern: store.Keys.AllKeysPattern))
            {
                if ((string)key! is var k && !k.EndsWith(":seq", StringComparison.Ordinal) && await connection.GetDatabase().KeyTypeAsync(key) != RedisType.String)
                {
                    n++;
                }
            }

            keysPerMaster.Add(n);
        }

        Assert.That(keysPerMaster, Has.All.Zero, "nothing left on any master");
        var slotsUsed = Enumerable.Range(0, 12).Select(s => connection.HashSlot(store.Keys.Ready(s))).Distinct().Count();
        Assert.That(slotsUsed, Is.EqualTo(12), "twelve shards, twelve hash slots");
    }

    [Test]
    public async Task HybridCombinedBatches_LiveInTheirShardsSlot_OnARealCluster()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var store = TestStores.Create(
            o => { o.RedisShards = 12; o.Mode = BatchingMode.Hybrid; o.BatchSize = 10; o.GlobalTrigger = 8; o.MaxOpenBatches = 1000; },
            connection: connection);
        var events = Enumerable.Range(0, 120).SelectMany(a => TestStores.Events($"agent-{a}", 2)).ToList();

        var appended = await store.AppendAsync(events);
        var claimed = await store.ClaimAsync("f", 1000, 100_000);

        var combined = claimed.Where(b => b.Trigger == BatchTrigger.Global).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(appended.Sealed, Is.GreaterThanOrEqualTo(12), "every shard's trigger fired at least once");
            Assert.That(combined.Select(b => b.Member).Distinct().Count(), Is.EqualTo(12), "one lane per shard");
            Assert.That(combined.Select(b => store.Keys.ShardOf(b.Member)).Distinct().Count(), Is.EqualTo(12));
            Assert.That(combined.All(b => b.AgentId is null && b.Items.Count <= 10), Is.True, "lane batches within the batch size");
        });
        foreach (var batch in claimed)
        {
            Assert.That(await store.AckAsync(batch), Is.True);
        }

        var counts = await store.GetCountsAsync();
        Assert.That(counts.PendingEvents, Is.EqualTo(counts.OpenEvents), "only open events left");
        Assert.That(counts.GuardedIds, Is.EqualTo(counts.OpenEvents), "acked ids released in every shard");
        Assert.That(claimed.Sum(b => b.Items.Count) + counts.OpenEvents, Is.EqualTo(events.Count));
    }

    [Test]
    public async Task PoliciesBytesAndGrace_OnARealCluster_WorkInEveryShard()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(
            o =>
            {
                o.RedisShards = 12;
                o.BatchSize = 100;
                o.MaxOpenBatches = 1000;
                o.MaxBatchBytes = 100_000;
                o.BatchGrace = TimeSpan.FromSeconds(1);
            },
            time,
            connection);
        var agents = Enumerable.Range(0, 36).Select(a => $"agent-{a}").ToList();
        foreach (var agent in agents.Where((_, i) => i % 2 == 0))
        {
            await store.SetPolicyAsync(agent, new BatchPolicy(3, 5_000, null));
        }

        foreach (var agent in agents.Where((_, i) => i % 2 == 1))
        {
            await store.SetPolicyAsync(agent, new BatchPolicy(null, null, 400));
        }

        // Each agent: 4 items of 150 bytes. Even agents: one batch of 3 by size, 1 open; odd: 2 + 2 by the 400-byte limit.
        var events = agents.SelectMany(a => Enumerable.Range(0, 4).Select(i => BatchPolicyTests.Sized(a, $"{a}-e{i}", 150))).ToList();
        var appended = await store.AppendAsync(events);
        var policyShards = new HashSet<int>();
        foreach (var agent in agents)
        {
            int shard = store.Keys.ShardOf(agent);
            Assert.That(await connection.GetDatabase().HashExistsAsync(store.Keys.Policy(shard), agent), Is.True, $"{agent}'s policy is in its own shard");
            policyShards.Add(shard);
        }

        var bySize = await store.ClaimAsync("f", 1000, 100_000);
        time.Advance(TimeSpan.FromMilliseconds(999));
        int early = await store.SealDueAsync();
        time.Advance(TimeSpan.FromMilliseconds(1));
        int due = await store.SealDueAsync();
        var byTime = await store.ClaimAsync("f", 1000, 100_000);

        Assert.Multiple(() =>
        {
            Assert.That(policyShards, Has.Count.GreaterThan(6), "the policies spread over the shards");
            Assert.That(appended, Is.EqualTo(new AppendResult(144, 0, 18 + 18)));
            Assert.That(bySize.Where(b => b.Trigger == BatchTrigger.Size).Select(b => b.Items.Count).ToList(), Has.Count.EqualTo(18).And.All.EqualTo(3));
            Assert.That(bySize.Where(b => b.Trigger == BatchTrigger.Bytes).Select(b => b.Items.Count).ToList(), Has.Count.EqualTo(18).And.All.EqualTo(2));
            Assert.That((early, due), Is.EqualTo((0, 36)), "the grace (1 s) seals the rest: the even agents' last item, the odd agents' last two");
            Assert.That(byTime.All(b => b.OpenedAt == TestStores.Start && b.SealedAt == TestStores.Start.AddSeconds(1)), Is.True);
            Assert.That(bySize.Concat(byTime).SelectMany(b => b.EventIds), Is.EquivalentTo(events.Select(e => e.EventId)));
        });
        foreach (var batch in bySize.Concat(byTime))
        {
            Assert.That(await store.AckAsync(batch), Is.True);
        }

        Assert.That((await store.GetCountsAsync()).PolicyOverrides, Is.EqualTo(36));
        for (int shard = 0; shard < 12; shard++)
        {
            Assert.That(await connection.GetDatabase().KeyExistsAsync(store.Keys.Opened(shard)), Is.False, $"shard {shard}: P:opened emptied");
            Assert.That(await connection.GetDatabase().KeyExistsAsync(store.Keys.OpenBytes(shard)), Is.False, $"shard {shard}: P:open-bytes emptied");
        }
    }
}
