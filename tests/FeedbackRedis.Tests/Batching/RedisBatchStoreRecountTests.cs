using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>recount.lua through <see cref="RedisBatchStore.RecountAsync"/>, on a real Redis.</summary>
public sealed class RedisBatchStoreRecountTests
{
    private static IDatabase Db => SharedRedis.Connection.GetDatabase();

    /// <summary>
    /// Open a (2 events), open b (3), ready a:1 (5, sealed by size), in-flight c (5) and dead d (5): pending 15,
    /// open-events 5, guard 20 ids.
    /// </summary>
    private static async Task<(RedisBatchStore Store, FakeTimeProvider Time)> FiveStatesAsync(Action<BatchingOptions>? configure = null)
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 5; o.MaxAttempts = 3; configure?.Invoke(o); }, time);
        await store.AppendAsync([.. TestStores.Events("c", 5), .. TestStores.Events("d", 5)]);
        var claimed = await store.ClaimAsync("f", 2, 100);
        var dead = claimed.Single(b => b.Member == "d");
        Assert.That(await store.ReleaseAsync(dead.Lease, ReleaseMode.Dead, "test"), Is.EqualTo(ReleaseOutcome.Dead));
        await store.AppendAsync([.. TestStores.Events("a", 7), .. TestStores.Events("b", 3)]);
        return (store, time);
    }

    private static async Task<(long Pending, long OpenEvents, string[] Guard)> StoredAsync(RedisBatchStore store, int shard = 0) =>
        ((long)await Db.StringGetAsync(store.Keys.Pending(shard)),
         (long)await Db.StringGetAsync(store.Keys.OpenEvents(shard)),
         [.. (await Db.SetMembersAsync(store.Keys.Guard(shard))).Select(v => (string)v!).Order(StringComparer.Ordinal)]);

    [Test]
    public async Task Recount_OfHandCorruptedCounters_ReportsTheDrift_ThenRestoresTheExactValues()
    {
        var (store, _) = await FiveStatesAsync();
        var healthy = await StoredAsync(store);
        Assert.That((healthy.Pending, healthy.OpenEvents, healthy.Guard.Length), Is.EqualTo((15L, 5L, 20)), "the fixture's five states");
        await Db.StringSetAsync(store.Keys.Pending(0), 999);
        await Db.StringSetAsync(store.Keys.OpenEvents(0), -3);
        await Db.SetRemoveAsync(store.Keys.Guard(0), "b-e1");
        await Db.SetRemoveAsync(store.Keys.Guard(0), "d-e4");
        await Db.SetAddAsync(store.Keys.Guard(0), "stray-id");

        var dry = (await store.RecountAsync(apply: false)).Single();
        var afterDryRun = await StoredAsync(store);
        var applied = (await store.RecountAsync(apply: true)).Single();
        var repaired = await StoredAsync(store);
        var again = (await store.RecountAsync(apply: false)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(dry.Applied, Is.False);
            Assert.That(dry.HasDrift, Is.True);
            Assert.That(dry.Items, Is.EqualTo(20));
            Assert.That(dry.Pending, Is.EqualTo(new CounterDrift(999, 15)));
            Assert.That(dry.Pending.Drift, Is.EqualTo(-984));
            Assert.That(dry.OpenEvents, Is.EqualTo(new CounterDrift(-3, 5)));
            Assert.That((dry.Guard.Recorded, dry.Guard.Recounted, dry.Guard.Added, dry.Guard.Removed), Is.EqualTo((19L, 20L, 2L, 1L)));
            Assert.That(dry.Guard.AddedSample, Is.EquivalentTo(new[] { "b-e1", "d-e4" }), "a dead batch's ids are guarded too");
            Assert.That(dry.Guard.RemovedSample, Is.EqualTo(new[] { "stray-id" }));
            Assert.That((dry.UnreadableItems, dry.RepeatedIds, dry.Orphans.Count, dry.EmptyOpen), Is.EqualTo((0L, 0L, 0, 0L)));
            Assert.That(afterDryRun.Pending, Is.EqualTo(999), "a dry run writes nothing");
            Assert.That(afterDryRun.Guard, Does.Contain("stray-id").And.Not.Contain("b-e1"));

            Assert.That(applied.Applied, Is.True);
            Assert.That(SameFindings(applied, dry), Is.True, "apply reports what the dry run found");
            Assert.That(repaired.Pending, Is.EqualTo(healthy.Pending));
            Assert.That(repaired.OpenEvents, Is.EqualTo(healthy.OpenEvents));
            Assert.That(repaired.Guard, Is.EqualTo(healthy.Guard));
            Assert.That(again.HasDrift, Is.False);
        });
    }

    private static bool SameFindings(RecountResult a, RecountResult b) =>
        a.Pending == b.Pending && a.OpenEvents == b.OpenEvents && a.Items == b.Items
        && (a.Guard.Recorded, a.Guard.Recounted, a.Guard.Added, a.Guard.Removed) == (b.Guard.Recorded, b.Guard.Recounted, b.Guard.Added, b.Guard.Removed)
        && a.Guard.AddedSample.Order().SequenceEqual(b.Guard.AddedSample.Order()) && a.Guard.RemovedSample.SequenceEqual(b.Guard.RemovedSample);

    [Test]
    public async Task Recount_OfACounterThatIsNotANumber_OrMissing_SetsIt()
    {
        var (store, _) = await FiveStatesAsync();
        await Db.StringSetAsync(store.Keys.Pending(0), "garbage");
        await Db.KeyDeleteAsync(store.Keys.OpenEvents(0));

        var applied = (await store.RecountAsync(apply: true)).Single();

        Assert.That(applied.Pending, Is.EqualTo(new CounterDrift(null, 15)));
        Assert.That(applied.OpenEvents, Is.EqualTo(new CounterDrift(0, 5)), "absent reads as 0, as the scripts read it");
        Assert.That((await StoredAsync(store)).Pending, Is.EqualTo(15));
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Global)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task Recount_AfterEveryNormalTransition_FindsNoDrift(BatchingMode mode)
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(
            o => { o.Mode = mode; o.BatchSize = 4; o.GlobalLanes = 3; o.GlobalTrigger = 12; o.MaxOpenBatches = 6; o.MaxAttempts = 2; },
            time);
        var seen = new List<RecountResult>();
        async Task Check(string step)
        {
            var r = (await store.RecountAsync(apply: false)).Single();
            seen.Add(r);
            Assert.That(r.HasDrift || r.UnreadableItems > 0 || r.RepeatedIds > 0 || r.EmptyOpen > 0, Is.False,
                $"{mode}, after {step}: {JsonSerializer.Serialize(r)}");
        }

        var events = Enumerable.Range(0, 10).SelectMany(a => TestStores.Events($"agent-{a}", 1 + (a % 5))).ToList();
        await store.AppendAsync(events);
        await Check("append");
        await store.AppendAsync([.. events.Take(7), .. TestStores.Events("late", 3)]);
        await Check("append with redeliveries");
        time.Advance(store.Options.BatchTime);
        await store.SealDueAsync();
        await Check("seal due");
        await store.AppendAsync(TestStores.Events("fresh", 2));
        Assert.That(await store.SealAsync((await store.ListOpenAsync(1)).Single().Id), Is.Not.Null);
        await Check("manual seal");
        var claimed = (await store.ClaimAsync("f", 100, 10_000)).ToList();
        Assert.That(claimed, Has.Count.GreaterThanOrEqualTo(4), "enough batches to walk every transition");
        await Check("claim");
        Assert.That(await store.AckAsync(claimed[0]), Is.True);
        await Check("ack");
        Assert.That(await store.ReleaseAsync(claimed[1].Lease, ReleaseMode.Dead, "test"), Is.EqualTo(ReleaseOutcome.Dead));
        await Check("release as dead");
        Assert.That(await store.ReplayAsync(claimed[1].BatchId), Is.True);
        await Check("replay");
        Assert.That(await store.ReleaseAsync(claimed[2].Lease, ReleaseMode.Retry, "test", TimeSpan.FromSeconds(1)), Is.EqualTo(ReleaseOutcome.Ready));
        await Check("release for retry");
        var quarantined = await store.QuarantineAsync(claimed[3], [0], "bad item");
        Assert.That(quarantined, Is.Not.Null);
        await Check("quarantine");
        var (deadBatch, deadItems) = (await store.GetBatchAsync(quarantined!.Value.DeadBatchId))!.Value;
        Assert.That(await store.DropDeadAsync(deadBatch.Id, deadItems), Is.EqualTo(DropOutcome.Dropped));
        await Check("drop");
        time.Advance(store.Options.LeaseDuration);
        await store.ReclaimExpiredAsync();
        await Check("lease expiry");
        foreach (var batch in await store.ClaimAsync("g", 100, 10_000))
        {
            Assert.That(await store.AckAsync(batch), Is.True);
        }

        await Check("acks of everything sealed");
        Assert.That(seen.Select(r => r.Items).Distinct().Count(), Is.GreaterThan(3), "the checks saw the store change");
    }

    [Test]
    public async Task Recount_ReadsEscapedAndNonAsciiIds_AsTheAckDoes()
    {
        var store = TestStores.Create(o => o.BatchSize = 100);
        // JsonSerializer's default encoder escapes these (\u00E9, a surrogate pair, \"), so the script's cjson path reads them.
        string[] ids = ["caf\u00e9", "smile-\U0001F600", "quote\"d", "back\\slash", "plain"];
        await store.AppendAsync([.. ids.Select(id => TestStores.Event("a", id))]);

        var r = (await store.RecountAsync(apply: false)).Single();

        Assert.That((r.HasDrift, r.UnreadableItems, r.Guard.Recounted), Is.EqualTo((false, 0L, 5L)), JsonSerializer.Serialize(r));
    }

    [Test]
    public async Task Recount_ItemsWithoutAnId_OrRepeatingOne_AreCountedReportedAndLeft()
    {
        var store = TestStores.Create(o => o.BatchSize = 100);
        await store.AppendAsync(TestStores.Events("a", 2));
        var open = store.Keys.OpenBatch("a");
        await Db.ListRightPushAsync(open, ["not json", "{\"agentId\":\"a\"}", "{\"eventId\":\"\"}", "[1,2]"]);
        await Db.ListRightPushAsync(open, TestStores.Event("a", "a-e0").Item); // the same event twice

        var r = (await store.RecountAsync(apply: true)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(r.UnreadableItems, Is.EqualTo(4));
            Assert.That(r.UnreadableSample, Is.EqualTo(new[] { 2L, 3L, 4L, 5L }.Select(i => new UnreadableItem((string)open!, i))));
            Assert.That(r.OpenEvents, Is.EqualTo(new CounterDrift(2, 7)), "they are items of the batch all the same");
            Assert.That(r.Guard.Drifted, Is.False, "nothing more to guard");
            Assert.That(r.RepeatedIds, Is.EqualTo(1));
        });
        Assert.That(await Db.ListLengthAsync(open), Is.EqualTo(7), "left as they are");
    }

    [Test]
    public async Task Recount_OpenListWithoutADeadline_IsReportedAndWhenAppliedMadeDue()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 100; o.BatchTime = TimeSpan.FromMinutes(5); }, time);
        await store.AppendAsync([.. TestStores.Events("orphan", 3), .. TestStores.Events("fine", 1)]);
        await Db.SortedSetRemoveAsync(store.Keys.Deadlines(0), "orphan");
        await Db.SortedSetRemoveAsync(store.Keys.Deadlines(0), "nobody"); // nothing there: not an orphan
        time.Advance(TimeSpan.FromSeconds(1));

        var dry = (await store.RecountAsync(apply: false)).Single();
        bool stillOrphan = await Db.SortedSetScoreAsync(store.Keys.Deadlines(0), "orphan") is null;
        var applied = (await store.RecountAsync(apply: true)).Single();
        var after = (await store.RecountAsync(apply: false)).Single();
        int sealedNow = await store.SealDueAsync();

        Assert.Multiple(() =>
        {
            Assert.That(dry.Orphans, Is.EqualTo(new[] { "orphan" }));
            Assert.That(dry.OpenEvents.Drifted || dry.Guard.Drifted, Is.False, "an orphan's items still count as open and guarded");
            Assert.That(dry.HasDrift, Is.True);
            Assert.That(stillOrphan, Is.True, "a dry run writes nothing");
            Assert.That(applied.Orphans, Is.EqualTo(new[] { "orphan" }));
            Assert.That(after.HasDrift, Is.False);
            Assert.That(sealedNow, Is.EqualTo(1), "registered with the deadline now: the next due scan seals it, and only it");
        });
    }

    [Test]
    public async Task Recount_OfAShardOverTheBound_IsRefusedAndChangesNothing_UnlessForced()
    {
        var (store, _) = await FiveStatesAsync();
        await Db.StringSetAsync(store.Keys.Pending(0), 1);

        var refused = (await store.RecountAsync(apply: true, maxItems: 19)).Single();
        long afterRefusal = (await StoredAsync(store)).Pending;
        var atTheBound = (await store.RecountAsync(apply: false, maxItems: 20)).Single();
        var forced = (await store.RecountAsync(apply: true, maxItems: null)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(refused.Refusal, Does.Contain("holds 20 items").And.Contain("the bound is 19"));
            Assert.That(refused.Applied, Is.False);
            Assert.That(afterRefusal, Is.EqualTo(1));
            Assert.That(atTheBound.Refusal, Is.Null);
            Assert.That(forced.Pending, Is.EqualTo(new CounterDrift(1, 15)));
        });
        Assert.That((await StoredAsync(store)).Pending, Is.EqualTo(15));
    }

    [Test]
    [Category("Process")]
    public async Task Recount_OnARealCluster_RecountsEveryShard()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var store = TestStores.Create(o => { o.RedisShards = 12; o.BatchSize = 5; o.MaxOpenBatches = 1000; }, connection: connection);
        var events = Enumerable.Range(0, 60).SelectMany(a => TestStores.Events($"agent-{a}", 7)).ToList();
        await store.AppendAsync(events);
        var db = connection.GetDatabase();
        int corrupt = store.Keys.ShardOf("agent-0");
        int strayShard = (corrupt + 5) % 12;
        await db.StringIncrementAsync(store.Keys.Pending(corrupt), 10);
        await db.SetAddAsync(store.Keys.Guard(strayShard), "stray");

        var dry = await store.RecountAsync(apply: false);
        var applied = await store.RecountAsync(apply: true);
        var after = await store.RecountAsync(apply: false);

        Assert.Multiple(() =>
        {
            Assert.That(dry.Select(r => r.Shard), Is.EqualTo(Enumerable.Range(0, 12)));
            Assert.That(dry.Where(r => r.HasDrift).Select(r => r.Shard), Is.EquivalentTo(new[] { corrupt, strayShard }));
            Assert.That(dry[corrupt].Pending.Drift, Is.EqualTo(-10));
            Assert.That(dry[strayShard].Guard.RemovedSample, Is.EqualTo(new[] { "stray" }));
            Assert.That(dry.Sum(r => r.Items), Is.EqualTo(420));
            Assert.That(dry.Sum(r => r.Guard.Recounted), Is.EqualTo(420));
            Assert.That(applied.Count(r => r.Applied), Is.EqualTo(12));
            Assert.That(after.Any(r => r.HasDrift), Is.False);
            Assert.That(after.Sum(r => r.Pending.Recounted), Is.EqualTo(420));
        });
    }

    private static async Task<Dictionary<string, string>> HashAsync(RedisKey key) =>
        (await Db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);

    [Test]
    public async Task Recount_OfOpenBytesAndOpenedEntries_RebuildsTheBytes_AndDropsEntriesWithoutAnOpenBatch()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 100; o.MaxBatchBytes = 10_000; o.BatchGrace = TimeSpan.FromSeconds(2); }, time);
        await store.AppendAsync([BatchPolicyTests.Sized("a", "a0", 200), BatchPolicyTests.Sized("a", "a1", 300), BatchPolicyTests.Sized("b", "b0", 150)]);
        var healthy = (await store.RecountAsync(apply: false)).Single();
        var openedBefore = await HashAsync(store.Keys.Opened(0));
        await Db.HashSetAsync(store.Keys.OpenBytes(0), "a", 50);
        await Db.HashDeleteAsync(store.Keys.OpenBytes(0), "b");
        await Db.HashSetAsync(store.Keys.OpenBytes(0), "gone", 999);
        await Db.HashSetAsync(store.Keys.Opened(0), "gone", "1:2");

        var dry = (await store.RecountAsync(apply: false)).Single();
        var bytesAfterDryRun = await HashAsync(store.Keys.OpenBytes(0));
        var applied = (await store.RecountAsync(apply: true)).Single();
        var bytes = await HashAsync(store.Keys.OpenBytes(0));
        var opened = await HashAsync(store.Keys.Opened(0));
        var again = (await store.RecountAsync(apply: false)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(healthy.HasDrift, Is.False, "the scripts' own bookkeeping is what a recount finds");
            Assert.That(openedBefore.Keys, Is.EquivalentTo(new[] { "a", "b" }), "grace on: both open batches have an opened entry");
            Assert.That(dry.HasDrift, Is.True);
            Assert.That((dry.OpenBytes.Rewritten, dry.OpenBytes.Removed, dry.Opened.Removed), Is.EqualTo((2L, 1L, 1L)));
            Assert.That(dry.OpenBytes.RewrittenSample, Is.EquivalentTo(new[] { "a", "b" }));
            Assert.That(dry.OpenBytes.RemovedSample, Is.EqualTo(new[] { "gone" }));
            Assert.That(dry.Opened.RemovedSample, Is.EqualTo(new[] { "gone" }));
            Assert.That(dry.Pending.Drifted || dry.OpenEvents.Drifted || dry.Guard.Drifted, Is.False, "the counters are right");
            Assert.That(bytesAfterDryRun["a"], Is.EqualTo("50"), "a dry run writes nothing");
            Assert.That((applied.OpenBytes.Rewritten, applied.OpenBytes.Removed, applied.Opened.Removed), Is.EqualTo((2L, 1L, 1L)));
            Assert.That(bytes, Is.EquivalentTo(new Dictionary<string, string> { ["a"] = "500", ["b"] = "150" }), "each open list's item bytes");
            Assert.That(opened, Is.EquivalentTo(openedBefore), "the stale entry is gone, the open batches' are kept");
            Assert.That(again.HasDrift, Is.False);
        });
    }

    [Test]
    public async Task Recount_OfOpenBytes_WritesAnEntryOnlyWhereAByteLimitApplies()
    {
        var store = TestStores.Create(o => o.BatchSize = 100);
        await store.SetPolicyAsync("limited", new BatchPolicy(null, null, 5_000));
        await store.AppendAsync([BatchPolicyTests.Sized("free", "f0", 200), BatchPolicyTests.Sized("limited", "l0", 300)]);
        await Db.HashDeleteAsync(store.Keys.OpenBytes(0), "limited");

        var applied = (await store.RecountAsync(apply: true)).Single();
        var bytes = await HashAsync(store.Keys.OpenBytes(0));

        Assert.Multiple(() =>
        {
            Assert.That(applied.OpenBytes.RewrittenSample, Is.EqualTo(new[] { "limited" }));
            Assert.That(bytes, Is.EquivalentTo(new Dictionary<string, string> { ["limited"] = "300" }), "no limit applies to 'free': no entry");
        });
    }
}
