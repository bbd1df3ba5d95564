using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// Per-agent policies (P:policy), the byte trigger (FEEDBACK_BATCH_MAX_BYTES) and the sliding grace
/// (FEEDBACK_BATCH_GRACE_MS), alone and together, on a real Redis, in agent, global and hybrid modes.
/// </summary>
public sealed class BatchPolicyTests
{
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp() => _time = new FakeTimeProvider(TestStores.Start);

    /// <summary>A store in <paramref name="mode"/>; in global mode one lane, so every event goes to <c>#global-0</c>.</summary>
    private RedisBatchStore Store(BatchingMode mode, Action<BatchingOptions>? configure = null) => TestStores.Create(
        o =>
        {
            o.Mode = mode;
            o.GlobalLanes = 1;
            o.BatchSize = 5;
            o.BatchTime = TimeSpan.FromSeconds(10);
            configure?.Invoke(o);
        },
        _time);

    /// <summary>The member whose open batch an agent's events join: the agent, or the one lane in global mode.</summary>
    private static string MemberOf(BatchingMode mode, string agent) => mode == BatchingMode.Global ? "#global-0" : agent;

    /// <summary>An item of exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    internal static AppendEvent Sized(string agent, string id, int bytes)
    {
        string head = $"{{\"eventId\":\"{id}\",\"agentId\":\"{agent}\",\"pad\":\"";
        int pad = bytes - head.Length - 2;
        Assert.That(pad, Is.Not.Negative, "the item is too small to hold its id");
        return AppendEvent.FromJson(id, agent, head + new string('x', pad) + "\"}");
    }

    private static async Task<List<ClaimedBatch>> ClaimAll(RedisBatchStore store) => [.. await store.ClaimAsync("f", 1000, 1_000_000)];

    private async Task Advance(TimeSpan by) => await Task.Run(() => _time.Advance(by));

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task AgentBatchSize_Set_SealsItsBatchesWhileOthersKeepTheGlobalSize(BatchingMode mode)
    {
        var store = Store(mode);
        await store.SetPolicyAsync("small", new BatchPolicy(2, null, null));

        var result = await store.AppendAsync([.. TestStores.Events("small", 5), .. TestStores.Events("other", 4)]);

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new AppendResult(9, 0, 2)));
            Assert.That(claimed.Select(b => (b.Member, b.Items.Count, b.Trigger)), Is.EqualTo(new[] { ("small", 2, BatchTrigger.Size), ("small", 2, BatchTrigger.Size) }));
        });
        var open = await store.ListOpenAsync(10);
        Assert.That(open.Select(b => (b.Id, b.Size)), Is.EquivalentTo(new[] { ("small", 1L), ("other", 4L) }));
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task AgentBatchSize_LoweredBelowAnOpenBatch_SealsItWholeAtTheNextAppend(BatchingMode mode)
    {
        var store = Store(mode);
        await store.AppendAsync(TestStores.Events("a", 4));
        await store.SetPolicyAsync("a", new BatchPolicy(2, null, null));
        Assert.That((await store.GetCountsAsync()).ReadyBatches, Is.Zero, "setting a policy seals nothing by itself");

        var result = await store.AppendAsync(TestStores.Events("a", 1, first: 4));

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(result.Sealed, Is.EqualTo(1));
            Assert.That(claimed.Single().EventIds, Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"a-e{i}")), "the whole list, as it is, with the new item");
            Assert.That(claimed.Single().Trigger, Is.EqualTo(BatchTrigger.Size));
        });
    }

    [Test]
    public async Task AgentBatchTime_Set_AppliesFromTheNextBatchWithOpenedAtRight()
    {
        var store = Store(BatchingMode.Agent);
        await store.AppendAsync(TestStores.Events("a", 1));
        await store.SetPolicyAsync("a", new BatchPolicy(null, 2_000, null));
        await Advance(TimeSpan.FromSeconds(3));
        await store.AppendAsync(TestStores.Events("a", 1, first: 1));
        Assert.That(await store.SealDueAsync(), Is.Zero, "the open batch keeps its 10 s deadline");

        await Advance(TimeSpan.FromSeconds(7));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1));
        await store.AppendAsync(TestStores.Events("a", 1, first: 2));
        var open = (await store.ListOpenAsync(10)).Single();
        await Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.That(await store.SealDueAsync(), Is.Zero);
        await Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "the next batch has the agent's 2 s");

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(claimed.Select(b => b.OpenedAt), Is.EqualTo(new[] { TestStores.Start, TestStores.Start.AddSeconds(10) }));
            Assert.That(open.OpenedAt, Is.EqualTo(TestStores.Start.AddSeconds(10)), "inspection reads openedAt from P:opened, not deadline - batch time");
            Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Time));
        });
    }

    [Test]
    public async Task LanePolicy_GlobalMode_Applies()
    {
        var store = Store(BatchingMode.Global);
        await store.SetPolicyAsync("#global-0", new BatchPolicy(3, null, null));

        var result = await store.AppendAsync(TestStores.Events("a", 7));

        Assert.That(result.Sealed, Is.EqualTo(2));
        Assert.That((await ClaimAll(store)).Select(b => b.Items.Count), Is.EqualTo(new[] { 3, 3 }));
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Global)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task ByteLimit_ReachedOrPassed_SealsTheBatchFirst(BatchingMode mode)
    {
        var store = Store(mode, o => { o.BatchSize = 100; o.MaxBatchBytes = 1_000; });

        // 400 + 600 = 1,000: reached, sealed with both. Then 400 + 400; a third 400 would pass: the two are sealed first.
        var sizes = new[] { 400, 600, 400, 400, 400 };
        var events = sizes.Select((b, i) => Sized("a", $"e{i}", b)).ToList();
        var first = await store.AppendAsync(events.Take(3).ToList());
        var second = await store.AppendAsync(events.Skip(3).ToList());

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That((first.Sealed, second.Sealed), Is.EqualTo((1, 1)));
            Assert.That(claimed.Select(b => b.EventIds), Is.EqualTo(new[] { new[] { "e0", "e1" }, ["e2", "e3"] }));
            Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Bytes));
            Assert.That(claimed.Select(b => b.Member), Is.All.EqualTo(MemberOf(mode, "a")));
        });
        var open = (await store.ListOpenAsync(10)).Single();
        Assert.That(open.Size, Is.EqualTo(1));
        var counts = await store.GetCountsAsync();
        Assert.That((counts.OpenEvents, counts.PendingEvents), Is.EqualTo((1L, 5L)));
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Global)]
    public async Task ByteLimit_ItemLargerThanIt_IsABatchOfItsOwn(BatchingMode mode)
    {
        var store = Store(mode, o => { o.BatchSize = 100; o.MaxBatchBytes = 500; });

        await store.AppendAsync([Sized("a", "small-0", 200), Sized("a", "huge", 2_000), Sized("a", "small-1", 200)]);
        await store.AppendAsync([Sized("a", "huge-2", 900)]);

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(claimed.Select(b => b.EventIds), Is.EqualTo(new[] { new[] { "small-0" }, ["huge"], ["small-1"], ["huge-2"] }));
            Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Bytes));
        });
        Assert.That(await store.ListOpenAsync(10), Is.Empty, "nothing is left waiting behind the large items");
    }

    [Test]
    public async Task AgentByteLimit_SetOrZero_OverridesTheGlobalOne()
    {
        var store = Store(BatchingMode.Agent, o => { o.BatchSize = 100; o.MaxBatchBytes = 300; });
        await store.SetPolicyAsync("unlimited", new BatchPolicy(null, null, 0));
        await store.SetPolicyAsync("tight", new BatchPolicy(null, null, 100));

        await store.AppendAsync([
            .. Enumerable.Range(0, 4).Select(i => Sized("unlimited", $"u{i}", 200)),
            .. Enumerable.Range(0, 2).Select(i => Sized("tight", $"t{i}", 100)),
            .. Enumerable.Range(0, 3).Select(i => Sized("global", $"g{i}", 150))]);

        var claimed = await ClaimAll(store);
        Assert.That(claimed.Select(b => (b.Member, b.Items.Count)).OrderBy(x => x.Member), Is.EqualTo(new[] { ("global", 2), ("tight", 1), ("tight", 1) }));
        Assert.That((await store.ListOpenAsync(10)).Select(b => (b.Id, b.Size)), Is.EquivalentTo(new[] { ("unlimited", 4L), ("global", 1L) }));
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Global)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task Grace_EachItem_MovesTheDeadlineNeverPastTheHardMaximum(BatchingMode mode)
    {
        var store = Store(mode, o => { o.BatchSize = 100; o.BatchGrace = TimeSpan.FromSeconds(2); });

        // A burst that goes quiet: items at 0, 1 and 2.5 s; sealed 2 s after the last, at 4.5 s.
        await store.AppendAsync(TestStores.Events("a", 1));
        await Advance(TimeSpan.FromSeconds(1));
        await store.AppendAsync(TestStores.Events("a", 1, first: 1));
        await Advance(TimeSpan.FromSeconds(1.5));
        await store.AppendAsync(TestStores.Events("a", 1, first: 2));
        Assert.That((await store.ListOpenAsync(10)).Single().OpenedAt, Is.EqualTo(TestStores.Start), "openedAt is the first item's, not deadline - batch time");
        await Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.That(await store.SealDueAsync(), Is.Zero);
        await Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1));

        // A steady trickle (every 1.5 s): the hard maximum, 10 s after its first item, seals it.
        var opened = _time.GetUtcNow();
        for (int i = 0; i < 7; i++)
        {
            if (i > 0)
            {
                await Advance(TimeSpan.FromSeconds(1.5));
            }

            await store.AppendAsync(TestStores.Events("b", 1, first: i));
        }

        await Advance(opened.AddSeconds(10) - _time.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.Zero);
        await Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "sealed at the hard maximum although the last item (at 9 s) moved it to 11 s");

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(claimed.Select(b => b.OpenedAt), Is.EqualTo(new[] { TestStores.Start, opened }));
            Assert.That(claimed.Select(b => b.SealedAt), Is.EqualTo(new[] { TestStores.Start.AddSeconds(4.5), opened.AddSeconds(10) }));
            Assert.That(claimed.Select(b => b.Items.Count), Is.EqualTo(new[] { 3, 7 }));
            Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Time));
        });
    }

    [Test]
    public async Task Grace_LongerThanTheBatchTime_IsTheFixedWindow()
    {
        var store = Store(BatchingMode.Agent, o => o.BatchGrace = TimeSpan.FromSeconds(30));
        await store.AppendAsync(TestStores.Events("a", 1));
        await Advance(TimeSpan.FromSeconds(5));
        await store.AppendAsync(TestStores.Events("a", 1, first: 1));

        await Advance(TimeSpan.FromMilliseconds(4_999));
        Assert.That(await store.SealDueAsync(), Is.Zero);
        await Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "capped at first item + 10 s");
        Assert.That((await ClaimAll(store)).Single().OpenedAt, Is.EqualTo(TestStores.Start));
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Global)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task PolicyBytesAndGrace_Together_EachRuleHolds(BatchingMode mode)
    {
        var store = Store(mode, o => { o.BatchSize = 100; o.MaxBatchBytes = 10_000; o.BatchGrace = TimeSpan.FromSeconds(1); });
        string member = MemberOf(mode, "a");
        await store.SetPolicyAsync(member, new BatchPolicy(3, 4_000, 1_000));

        // The agent's size 3; then its byte limit 1,000 (b1 would pass it: b0 alone); then the grace, 1 s after g0.
        await store.AppendAsync([Sized("a", "s0", 100), Sized("a", "s1", 100), Sized("a", "s2", 100)]);
        await store.AppendAsync([Sized("a", "b0", 600), Sized("a", "b1", 600)]);
        await Advance(TimeSpan.FromMilliseconds(900));
        await store.AppendAsync([Sized("a", "g0", 100)]);
        await Advance(TimeSpan.FromMilliseconds(900));
        Assert.That(await store.SealDueAsync(), Is.Zero, "g0 moved the deadline to 1.9 s");
        await Advance(TimeSpan.FromMilliseconds(100));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1));

        // Changed mid-stream to size 100: a trickle every 0.7 s keeps renewing the grace; the agent's 4 s caps it.
        await store.SetPolicyAsync(member, new BatchPolicy(100, 4_000, 1_000));
        var opened = _time.GetUtcNow();
        for (int i = 0; i < 6; i++)
        {
            await store.AppendAsync([Sized("a", $"t{i}", 100)]);
            await Advance(TimeSpan.FromMilliseconds(i < 5 ? 700 : 490));
        }

        Assert.That(await store.SealDueAsync(), Is.Zero, "3.99 s after the first item");
        await Advance(TimeSpan.FromMilliseconds(10));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "the hard maximum of the agent's batch time");

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(claimed.Select(b => string.Join(",", b.EventIds)), Is.EqualTo(new[] { "s0,s1,s2", "b0", "b1,g0", "t0,t1,t2,t3,t4,t5" }));
            Assert.That(claimed.Select(b => b.Trigger), Is.EqualTo(new[] { BatchTrigger.Size, BatchTrigger.Bytes, BatchTrigger.Time, BatchTrigger.Time }));
            Assert.That(claimed.Select(b => b.OpenedAt), Is.EqualTo(new[] { TestStores.Start, TestStores.Start, TestStores.Start, opened }));
            Assert.That(claimed[3].SealedAt, Is.EqualTo(opened.AddSeconds(4)));
        });
        Assert.That((await store.GetCountsAsync()).PolicyOverrides, Is.EqualTo(1));
    }

    [Test]
    public async Task HybridCombine_WithSideState_KeepsTheEarliestOpenedAtAndLeavesNone()
    {
        var store = Store(BatchingMode.Hybrid, o => { o.BatchSize = 50; o.GlobalTrigger = 6; o.BatchGrace = TimeSpan.FromSeconds(5); o.MaxBatchBytes = 100_000; });
        await store.AppendAsync(TestStores.Events("early", 1));
        await Advance(TimeSpan.FromSeconds(4));
        await store.AppendAsync(TestStores.Events("late", 1));
        await store.AppendAsync(TestStores.Events("early", 1, first: 1));
        await Advance(TimeSpan.FromSeconds(1));

        var trigger = await store.AppendAsync([.. TestStores.Events("third", 4)]);

        Assert.That(trigger.Sealed, Is.EqualTo(1));
        var combined = (await ClaimAll(store)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(combined.Trigger, Is.EqualTo(BatchTrigger.Global));
            Assert.That(combined.OpenedAt, Is.EqualTo(TestStores.Start), "the earliest first item of the combined agents");
        });
        Assert.That(await store.AckAsync(combined), Is.True);
        await Advance(TimeSpan.FromSeconds(20));
        await store.SealDueAsync();
        foreach (var batch in await ClaimAll(store))
        {
            Assert.That(await store.AckAsync(batch), Is.True);
        }

        Assert.That(await TestStores.DataKeysAsync(store), Is.Empty, "P:opened and P:open-bytes are emptied with the batches");
    }

    [Test]
    public async Task Policies_NewStore_SurviveAndAreCountedListedCleared()
    {
        string prefix = TestKeys.Prefix();
        var store = TestStores.Create(o => o.BatchSize = 5, _time, prefix: prefix);
        await store.SetPolicyAsync("a", new BatchPolicy(2, 60_000, 4_096));
        await store.SetPolicyAsync("b", new BatchPolicy(null, null, 0));

        var restarted = TestStores.Create(o => o.BatchSize = 5, _time, prefix: prefix);
        var listed = await restarted.ListPoliciesAsync();
        var counts = await restarted.GetCountsAsync();
        var result = await restarted.AppendAsync(TestStores.Events("a", 2));

        Assert.Multiple(() =>
        {
            Assert.That(listed, Is.EqualTo(new[] { ("a", new BatchPolicy(2, 60_000, 4_096)), ("b", new BatchPolicy(null, null, 0)) }));
            Assert.That(counts.PolicyOverrides, Is.EqualTo(2));
            Assert.That(result.Sealed, Is.EqualTo(1), "the new store uses the stored size");
        });
        Assert.That(await restarted.ClearPolicyAsync("a"), Is.True);
        Assert.That(await restarted.ClearPolicyAsync("a"), Is.False);
        Assert.That(await restarted.GetPolicyAsync("a"), Is.Null);
        Assert.That((await restarted.AppendAsync(TestStores.Events("a", 2, first: 2))).Sealed, Is.Zero, "back to the global size");
    }

    [TestCase(0L, null, null, "--batch-size is 0; allowed: 1 to 100,000")]
    [TestCase(null, 9L, null, "--batch-time-ms is 9; allowed: 10 to 86,400,000")]
    [TestCase(null, null, -1L, "--max-bytes is -1; allowed: 0 to 268,435,456")]
    [TestCase(null, null, null, "at least one of")]
    public async Task Policy_OutOfTheSettingsRanges_IsRefusedNamingThePart(long? size, long? time, long? bytes, string message)
    {
        var store = Store(BatchingMode.Agent);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.SetPolicyAsync("a", new BatchPolicy(size, time, bytes)));
        Assert.That(ex!.Message, Does.Contain(message));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetPolicyAsync("bad:id", new BatchPolicy(1, null, null)));
    }

    [Test]
    public void PolicyStoredForm_ReadBack_IsWhatRedisCliShows()
    {
        var policy = new BatchPolicy(10, null, 4_096);
        Assert.That(policy.Format(), Is.EqualTo("batch_size=10;max_bytes=4096"));
        Assert.That(BatchPolicy.Parse(policy.Format()), Is.EqualTo(policy));
        Assert.That(BatchPolicy.Parse("batch_time_ms=500"), Is.EqualTo(new BatchPolicy(null, 500, null)));
    }

    [Test]
    public async Task Hybrid_CombinedBatches_FollowTheLanesSizeAndByteLimit()
    {
        var store = Store(BatchingMode.Hybrid, o => { o.BatchSize = 50; o.GlobalTrigger = 8; });
        await store.SetPolicyAsync("#global-0", new BatchPolicy(3, null, 700));

        // Six agents of one event each (300, 300, 300, 100, 100, 100 bytes), then one of four: the trigger (8) combines the
        // oldest until 4 remain. The lane's 700 bytes end the first batch at two agents, its size of 3 the second at three.
        foreach (var (agent, bytes) in new[] { ("a", 300), ("b", 300), ("c", 300), ("d", 100), ("e", 100), ("f", 100) })
        {
            await store.AppendAsync([Sized(agent, $"{agent}0", bytes)]);
            await Advance(TimeSpan.FromMilliseconds(1));
        }

        var trigger = await store.AppendAsync([Sized("big", "g0", 100), Sized("big", "g1", 100), Sized("big", "g2", 100), Sized("big", "g3", 100)]);
        var combined = await ClaimAll(store);

        Assert.Multiple(() =>
        {
            Assert.That(trigger.Sealed, Is.EqualTo(3));
            Assert.That(combined.Select(b => string.Join(",", b.EventIds)), Is.EqualTo(new[] { "a0,b0", "c0,d0,e0", "f0" }),
                "global size 50 and no global byte limit would have made one batch of six");
            Assert.That(combined.Select(b => (b.Member, b.Trigger)), Is.All.EqualTo(("#global-0", BatchTrigger.Global)));
        });
        Assert.That((await store.ListOpenAsync(10)).Single().Id, Is.EqualTo("big"), "the newest agent stays open: 4 events, half the trigger");
        var time = await Assert.ThrowsAsync<ArgumentException>(() => store.SetPolicyAsync("#global-0", new BatchPolicy(null, 1_000, null)));
        var other = await Assert.ThrowsAsync<ArgumentException>(() => store.SetPolicyAsync("#global-1", new BatchPolicy(2, null, null)));
        var agentMode = await Assert.ThrowsAsync<ArgumentException>(() => Store(BatchingMode.Agent).SetPolicyAsync("#global-0", new BatchPolicy(2, null, null)));
        Assert.Multiple(() =>
        {
            Assert.That(time!.Message, Does.Contain("--batch-time-ms does not apply to a lane in hybrid mode"));
            Assert.That(other!.Message, Does.Contain("#global-1 owns no batches in hybrid mode"));
            Assert.That(agentMode!.Message, Does.Contain("owns no batches in agent mode"));
        });
    }

    [Test]
    public async Task Hybrid_WithoutALanePolicy_CombinedBatchesKeepTheGlobalSize()
    {
        var store = Store(BatchingMode.Hybrid, o => { o.BatchSize = 3; o.GlobalTrigger = 8; });
        foreach (var agent in new[] { "a", "b", "c", "d", "e", "f" })
        {
            await store.AppendAsync(TestStores.Events(agent, 1));
            await Advance(TimeSpan.FromMilliseconds(1));
        }

        await store.AppendAsync(TestStores.Events("g", 2));

        Assert.That((await ClaimAll(store)).Select(b => b.Items.Count), Is.EqualTo(new[] { 3, 1 }), "the oldest 4 of 8 combined (until 4 remain), at most 3 per batch");
    }
}
