using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Batching;

public sealed class BatchingModeTests
{
    [Test]
    public async Task GlobalMode_SpreadsEventsOverLanes_AndEachLaneSealsAtTheBatchSize()
    {
        var store = TestStores.Create(o => { o.Mode = BatchingMode.Global; o.GlobalLanes = 4; o.BatchSize = 1000; });
        var events = Enumerable.Range(0, 400).Select(i => TestStores.Event($"agent-{i % 3}", $"ev-{i}")).ToList();

        var result = await store.AppendAsync(events);

        Assert.That(result.Added, Is.EqualTo(400));
        var open = await store.ListOpenAsync(100);
        Assert.That(open.Select(b => b.Id), Is.EquivalentTo(new[] { "#global-0", "#global-1", "#global-2", "#global-3" }));
        Assert.That(open.Sum(b => b.Size), Is.EqualTo(400));
        Assert.That(open.Select(b => b.Size), Is.All.InRange(50, 150), "event ids hash evenly over the lanes");

        var small = TestStores.Create(o => { o.Mode = BatchingMode.Global; o.GlobalLanes = 2; o.BatchSize = 10; });
        await small.AppendAsync(events.Take(100).ToList());
        var claimed = await small.ClaimAsync("f", 100, 100_000);
        Assert.That(claimed.Select(b => b.Items.Count), Is.All.EqualTo(10));
        Assert.That(claimed.Select(b => b.AgentId), Is.All.Null, "lanes carry many agents; items name theirs");
        Assert.That(claimed.SelectMany(b => b.Items).Select(TestStores.EventIdOf).Distinct().Count(), Is.EqualTo(claimed.Count * 10));
    }

    [Test]
    public async Task GlobalMode_SameEventIdAlwaysLandsInTheSameLane_SoDuplicatesAreCaught()
    {
        var store = TestStores.Create(o => { o.Mode = BatchingMode.Global; o.GlobalLanes = 8; o.BatchSize = 1000; });
        var events = Enumerable.Range(0, 50).Select(i => TestStores.Event("agent-1", $"ev-{i}")).ToList();

        await store.AppendAsync(events);
        var again = await store.AppendAsync(events);

        Assert.That(again, Is.EqualTo(new AppendResult(0, 50, 0)));
    }

    [Test]
    public async Task HybridMode_WhenOpenEventsReachTheGlobalSize_CombinesTheOldestIntoOneBatchUntilHalfRemain()
    {
        var store = TestStores.Create(o => { o.Mode = BatchingMode.Hybrid; o.BatchSize = 50; o.GlobalTrigger = 20; });
        for (int a = 0; a < 6; a++)
        {
            var r = await store.AppendAsync(TestStores.Events($"small-{a}", 3));
            Assert.That(r.Sealed, Is.Zero, $"{(a + 1) * 3} open events, below the global size");
        }

        var trigger = await store.AppendAsync(TestStores.Events("small-6", 2));

        Assert.That(trigger.Sealed, Is.EqualTo(1), "20 open: the four oldest (12 events) go, as one batch; 8 remain (at most half of 20)");
        var counts = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.OpenBatches, Is.EqualTo(3));
            Assert.That(counts.OpenEvents, Is.EqualTo(8));
            Assert.That(counts.ReadyBatches, Is.EqualTo(1));
            Assert.That(counts.PendingEvents, Is.EqualTo(20));
        });
        var combined = (await store.ClaimAsync("f", 100, 1000)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(combined.Member, Is.EqualTo(store.Keys.ShardLane(0)));
            Assert.That(combined.AgentId, Is.Null, "its items name their agents");
            Assert.That(combined.Trigger, Is.EqualTo(BatchTrigger.Global));
            Assert.That(
                combined.EventIds,
                Is.EqualTo(Enumerable.Range(0, 4).SelectMany(a => Enumerable.Range(0, 3).Select(i => $"small-{a}-e{i}"))),
                "oldest agent first, each agent's items in arrival order");
        });
    }

    [Test]
    public async Task HybridMode_CombinedBatchesStayWithinTheBatchSize()
    {
        var store = TestStores.Create(o => { o.Mode = BatchingMode.Hybrid; o.BatchSize = 5; o.GlobalTrigger = 16; });
        for (int a = 0; a < 8; a++)
        {
            await store.AppendAsync(TestStores.Events($"small-{a}", 2));
        }

        var batches = await store.ClaimAsync("f", 100, 1000);

        Assert.Multiple(() =>
        {
            Assert.That(batches.Select(b => b.Items.Count), Is.EqualTo(new[] { 4, 4 }), "16 open: 8 events go, in batches of at most 5 (whole agents)");
            Assert.That(batches.SelectMany(b => b.EventIds), Is.EqualTo(Enumerable.Range(0, 4).SelectMany(a => new[] { $"small-{a}-e0", $"small-{a}-e1" })));
        });
    }

    [Test]
    public async Task HybridMode_StillSealsABigAgentAtTheBatchSize()
    {
        var store = TestStores.Create(o => { o.Mode = BatchingMode.Hybrid; o.BatchSize = 5; o.GlobalTrigger = 1000; });

        var result = await store.AppendAsync(TestStores.Events("big", 12));

        Assert.That(result.Sealed, Is.EqualTo(2));
        var claimed = await store.ClaimAsync("f", 10, 1000);
        Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Size));
    }

    [Test]
    public async Task AgentMode_HasNoGlobalTrigger()
    {
        var store = TestStores.Create(o => { o.Mode = BatchingMode.Agent; o.BatchSize = 50; o.GlobalTrigger = 5; });

        var result = await store.AppendAsync([.. TestStores.Events("a", 4), .. TestStores.Events("b", 4)]);

        Assert.That(result.Sealed, Is.Zero);
    }

    [Test]
    public async Task ClusterLayout_SpreadsAgentsOverHashTaggedShards_AndEveryOperationWorksAcrossThem()
    {
        var store = TestStores.Create(o => { o.RedisShards = 4; o.BatchSize = 3; o.MaxOpenBatches = 1000; });
        var events = Enumerable.Range(0, 40).SelectMany(a => TestStores.Events($"agent-{a}", 4)).ToList();

        var result = await store.AppendAsync(events);
        var keys = await TestStores.KeysAsync(store);

        Assert.That(result, Is.EqualTo(new AppendResult(160, 0, 40)));
        var tags = keys.Select(k => System.Text.RegularExpressions.Regex.Match(k, @"\{(\d+)\}").Groups[1].Value).Distinct().ToList();
        Assert.That(tags, Is.EquivalentTo(new[] { "0", "1", "2", "3" }), "every key carries its shard's hash tag");
        var claimed = new List<ClaimedBatch>();
        for (int i = 0; i < 10 && claimed.Count < 40; i++)
        {
            claimed.AddRange(await store.ClaimAsync("f", 100, 100_000));
        }

        Assert.That(claimed, Has.Count.EqualTo(40));
        foreach (var batch in claimed)
        {
            Assert.That(await store.AckAsync(batch), Is.True);
        }

        var counts = await store.GetCountsAsync();
        Assert.That(counts.OpenBatches, Is.EqualTo(40));
        Assert.That(counts.PendingEvents, Is.EqualTo(40));
    }
}
