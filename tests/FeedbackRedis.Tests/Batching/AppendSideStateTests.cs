using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// The edges of append.lua reading the byte limit's and the grace's side state once per call (P:open-bytes, P:opened)
/// and writing deadlines and side state once per call after the pushes, on a real Redis: a size seal in the middle of a
/// call, a batch opened before a byte limit applied, many agents' deadlines moved in one call, and the overflow rule
/// seeing the deadlines the same call opened.
/// </summary>
public sealed class AppendSideStateTests
{
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp() => _time = new FakeTimeProvider(TestStores.Start);

    private RedisBatchStore Store(BatchingMode mode, Action<BatchingOptions> configure, string? prefix = null) => TestStores.Create(
        o =>
        {
            o.Mode = mode;
            o.GlobalLanes = 1;
            o.BatchTime = TimeSpan.FromSeconds(10);
            configure(o);
        },
        _time,
        prefix: prefix);

    private static async Task<List<ClaimedBatch>> ClaimAll(RedisBatchStore store) => [.. await store.ClaimAsync("f", 1000, 1_000_000)];

    private async Task Advance(TimeSpan by) => await Task.Run(() => _time.Advance(by));

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Global)]
    public async Task ByteLimit_SizeSealMidCall_CountsTheNextBatchFromZero(BatchingMode mode)
    {
        var store = Store(mode, o => { o.BatchSize = 4; o.MaxBatchBytes = 1_000; });

        // One call of five 100-byte items: the first four seal by size (the fifth, pushed with them, trimmed off and
        // pushed again), and the fifth opens the next batch counting 100 bytes, not the call's 500. So 800 more join it
        // (900), and 100 after that reach the limit: the calls read the count back from P:open-bytes.
        var first = await store.AppendAsync([.. Enumerable.Range(0, 5).Select(i => BatchPolicyTests.Sized("a", $"e{i}", 100))]);
        var second = await store.AppendAsync([BatchPolicyTests.Sized("a", "e5", 800)]);
        Assert.That((first.Sealed, second.Sealed), Is.EqualTo((1, 0)));
        Assert.That((await store.ListOpenAsync(10)).Single().Size, Is.EqualTo(2), "the size seal reset the byte count");
        var third = await store.AppendAsync([BatchPolicyTests.Sized("a", "e6", 100)]);

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(third.Sealed, Is.EqualTo(1));
            Assert.That(claimed.Select(b => string.Join(",", b.EventIds)), Is.EqualTo(new[] { "e0,e1,e2,e3", "e4,e5,e6" }));
            Assert.That(claimed.Select(b => b.Trigger), Is.EqualTo(new[] { BatchTrigger.Size, BatchTrigger.Bytes }));
        });
        Assert.That(await store.ListOpenAsync(10), Is.Empty);
    }

    [Test]
    public async Task ByteLimit_TurnedOnOverAnOpenBatch_CountsFromItsFirstItemUnderIt()
    {
        string prefix = TestKeys.Prefix();
        var before = Store(BatchingMode.Agent, o => o.BatchSize = 100, prefix);
        await before.AppendAsync([
            BatchPolicyTests.Sized("a", "a0", 300), BatchPolicyTests.Sized("a", "a1", 300),
            BatchPolicyTests.Sized("b", "b0", 300), BatchPolicyTests.Sized("b", "b1", 300)]);

        // Now a 500-byte limit, and no P:open-bytes entry for either open batch. a: an item over the limit seals a's
        // open batch first (its length read with LLEN), then is a batch of its own. b: 100 + 300 count from the limit
        // on (the 600 bytes before it do not), so b stays open with four items until 100 more reach 500.
        var after = Store(BatchingMode.Agent, o => { o.BatchSize = 100; o.MaxBatchBytes = 500; }, prefix);
        var first = await after.AppendAsync([
            BatchPolicyTests.Sized("a", "big", 900), BatchPolicyTests.Sized("b", "b2", 100), BatchPolicyTests.Sized("b", "b3", 300)]);
        Assert.That(first.Sealed, Is.EqualTo(2));
        Assert.That((await after.ListOpenAsync(10)).Select(b => (b.Id, b.Size)), Is.EqualTo(new[] { ("b", 4L) }));
        var second = await after.AppendAsync([BatchPolicyTests.Sized("b", "b4", 100)]);

        var claimed = await ClaimAll(after);
        Assert.Multiple(() =>
        {
            Assert.That(second.Sealed, Is.EqualTo(1));
            Assert.That(claimed.Select(b => string.Join(",", b.EventIds)), Is.EquivalentTo(new[] { "a0,a1", "big", "b0,b1,b2,b3,b4" }));
            Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Bytes));
        });
        Assert.That(await TestStores.DataKeysAsync(after), Has.None.EndsWith(":open-bytes"), "no entry is left for a sealed batch");
    }

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task Grace_ManyAgentsInOneCall_EachDeadlineMovesCappedByItsOwnFirstItem(BatchingMode mode)
    {
        var store = Store(mode, o => { o.BatchSize = 100; o.BatchGrace = TimeSpan.FromSeconds(2); });

        // a opens at 0 s, b at 1.5 s; then both get an item every 1.5 s in the same calls, the last at 9 s: a's hard
        // maximum (10 s) caps its deadline, b's (11.5 s) does not (9 + 2 = 11 s).
        await store.AppendAsync([TestStores.Event("a", "a0")]);
        for (int i = 1; i <= 6; i++)
        {
            await Advance(TimeSpan.FromSeconds(1.5));
            await store.AppendAsync([TestStores.Event("a", $"a{i}"), TestStores.Event("b", $"b{i}")]);
        }

        await Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(await store.SealDueAsync(), Is.Zero, "9.999 s");
        await Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "a at its hard maximum, 10 s");
        await Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(await store.SealDueAsync(), Is.Zero, "10.999 s");
        await Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "b at 2 s after its last item, 11 s");

        var claimed = await ClaimAll(store);
        Assert.Multiple(() =>
        {
            Assert.That(claimed.Select(b => b.Member), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(claimed.Select(b => b.OpenedAt), Is.EqualTo(new[] { TestStores.Start, TestStores.Start.AddSeconds(1.5) }));
            Assert.That(claimed.Select(b => b.Items.Count), Is.EqualTo(new[] { 7, 6 }));
        });
    }

    [TestCase(0)]
    [TestCase(2_000)]
    public async Task Overflow_OneCallOpeningPastTheMaximum_SealsTheOldestInTheSameCall(int graceMs)
    {
        var store = Store(BatchingMode.Agent, o => { o.BatchSize = 10; o.MaxOpenBatches = 3; o.BatchGrace = TimeSpan.FromMilliseconds(graceMs); });
        await store.AppendAsync([TestStores.Event("old", "o0")]);
        await Advance(TimeSpan.FromMilliseconds(10));

        // One call opens four batches: the deadlines it writes once, after its pushes, are there for the overflow rule.
        var result = await store.AppendAsync([.. new[] { "n1", "n2", "n3", "n4" }.Select(a => TestStores.Event(a, $"{a}-0"))]);

        var counts = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(result.Sealed, Is.EqualTo(2));
            Assert.That((counts.OpenBatches, counts.ReadyBatches), Is.EqualTo((3L, 2L)));
        });
        var claimed = await ClaimAll(store);
        Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Overflow));
        Assert.That(claimed.Select(b => b.Member), Does.Contain("old"), "the oldest is sealed first");
    }
}
