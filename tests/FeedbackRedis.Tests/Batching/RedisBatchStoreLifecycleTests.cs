using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Batching;

public sealed class RedisBatchStoreLifecycleTests
{
    [Test]
    public async Task SealDue_SealsABatchAfterItsDeadlineAndNotBefore()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 100; o.BatchTime = TimeSpan.FromSeconds(10); }, time);
        await store.AppendAsync(TestStores.Events("agent-1", 3));

        time.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.That(await store.SealDueAsync(), Is.Zero, "1 ms before the deadline");
        Assert.That(await store.ClaimAsync("f1", 10, 1000), Is.Empty);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await store.SealDueAsync(), Is.EqualTo(1), "at the deadline");

        var claimed = await store.ClaimAsync("f1", 10, 1000);
        Assert.That(claimed, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(claimed[0].Trigger, Is.EqualTo(BatchTrigger.Time));
            Assert.That(claimed[0].OpenedAt, Is.EqualTo(TestStores.Start));
            Assert.That(claimed[0].SealedAt, Is.EqualTo(TestStores.Start.AddSeconds(10)));
        });
    }

    [Test]
    public async Task Deadline_FollowsTheFirstItemNotTheLast()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 100; o.BatchTime = TimeSpan.FromSeconds(10); }, time);
        await store.AppendAsync([TestStores.Event("agent-1", "a")]);
        time.Advance(TimeSpan.FromSeconds(6));
        await store.AppendAsync([TestStores.Event("agent-1", "b")]);
        time.Advance(TimeSpan.FromSeconds(4));

        Assert.That(await store.SealDueAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task Claim_HidesTheBatchFromOtherClaimers_UntilTheLeaseExpires_ThenAttemptGrows()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 2; o.LeaseDuration = TimeSpan.FromSeconds(30); }, time);
        await store.AppendAsync(TestStores.Events("agent-1", 2));

        var first = await store.ClaimAsync("flusher-a", 10, 1000);
        Assert.That(first, Has.Count.EqualTo(1));
        Assert.That(await store.ClaimAsync("flusher-b", 10, 1000), Is.Empty, "leased batches are invisible");

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.That(await store.ClaimAsync("flusher-b", 10, 1000), Is.Empty, "lease still valid");

        time.Advance(TimeSpan.FromSeconds(1));
        var second = await store.ClaimAsync("flusher-b", 10, 1000);
        Assert.That(second, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(second[0].BatchId, Is.EqualTo(first[0].BatchId));
            Assert.That(second[0].Attempt, Is.EqualTo(2));
            Assert.That(second[0].Lease.Fence, Is.GreaterThan(first[0].Lease.Fence));
            Assert.That(second[0].Items, Is.EqualTo(first[0].Items));
        });
    }

    [Test]
    public async Task Ack_ByAStaleOwner_DeletesNothing_AndTheNewOwnersAckWorks()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => o.BatchSize = 2, time);
        await store.AppendAsync(TestStores.Events("agent-1", 2));
        var stale = (await store.ClaimAsync("flusher-a", 10, 1000))[0];
        time.Advance(store.Options.LeaseDuration);
        var current = (await store.ClaimAsync("flusher-b", 10, 1000))[0];

        Assert.That(await store.AckAsync(stale), Is.False);
        Assert.That(await store.RenewAsync(stale.Lease), Is.Null);
        Assert.That(await store.ReleaseAsync(stale.Lease, ReleaseMode.Dead, "stale"), Is.EqualTo(ReleaseOutcome.Stale));
        var stillThere = await store.GetBatchAsync(current.BatchId);
        Assert.That(stillThere!.Value.Batch.State, Is.EqualTo(BatchState.InFlight));
        Assert.That(stillThere.Value.Items, Has.Count.EqualTo(2));

        Assert.That(await store.AckAsync(current), Is.True);
        Assert.That(await TestStores.DataKeysAsync(store), Is.Empty, "an ack removes every trace of the batch");
        Assert.That(await store.AckAsync(current), Is.False, "a second ack finds nothing");
    }

    [Test]
    public async Task Ack_SameOwnerWithAnOlderLease_DeletesNothing()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => o.BatchSize = 1, time);
        await store.AppendAsync(TestStores.Events("agent-1", 1));
        var old = (await store.ClaimAsync("flusher-a", 10, 1000))[0];
        time.Advance(store.Options.LeaseDuration);
        var again = (await store.ClaimAsync("flusher-a", 10, 1000))[0];

        Assert.That(await store.AckAsync(old), Is.False, "the fence, not the owner name, decides");
        Assert.That(await store.AckAsync(again), Is.True);
    }

    [Test]
    public async Task ExpiredLeases_AfterMaxAttempts_ParkTheBatchAsDeadWithItsReason_AndReplayBringsItBack()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 3; o.MaxAttempts = 3; }, time);
        var events = TestStores.Events("agent-1", 3);
        await store.AppendAsync(events);

        for (int attempt = 1; attempt <= 3; attempt++)
        {
            var claimed = await store.ClaimAsync("flusher-a", 10, 1000);
            Assert.That(claimed.Single().Attempt, Is.EqualTo(attempt));
            time.Advance(store.Options.LeaseDuration);
        }

        Assert.That(await store.ReclaimExpiredAsync(), Is.EqualTo(1));
        Assert.That(await store.ClaimAsync("flusher-a", 10, 1000), Is.Empty, "dead batches are not claimed");
        var dead = await store.ListSealedAsync(BatchState.Dead, 10);
        Assert.That(dead, Has.Count.EqualTo(1));
        Assert.That(dead[0].LastError, Does.Contain("expired on attempt 3").And.Contain("flusher-a"));
        var counts = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.DeadBatches, Is.EqualTo(1));
            Assert.That(counts.PendingEvents, Is.Zero, "dead events leave the pending count");
            Assert.That(counts.GuardedIds, Is.EqualTo(3), "but their ids stay guarded: the batch still holds them");
        });
        Assert.That((await store.AppendAsync([events[0]])).Duplicates, Is.EqualTo(1), "a redelivery of a dead event is skipped");

        Assert.That(await store.ReplayAsync(dead[0].Id), Is.True);
        Assert.That(await store.ReplayAsync(dead[0].Id), Is.False, "only dead batches replay");
        var replayed = await store.ClaimAsync("flusher-b", 10, 1000);
        Assert.Multiple(() =>
        {
            Assert.That(replayed.Single().Attempt, Is.EqualTo(1));
            Assert.That(replayed.Single().Items.Select(TestStores.EventIdOf), Is.EqualTo(events.Select(e => e.EventId)));
        });
        Assert.That(await store.AckAsync(replayed.Single()), Is.True);
        Assert.That(await TestStores.DataKeysAsync(store), Is.Empty);
    }

    [Test]
    public async Task Release_Retry_WaitsOutTheDelay_ThenDeadWhenAttemptsAreUsedUp()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 1; o.MaxAttempts = 2; }, time);
        await store.AppendAsync(TestStores.Events("agent-1", 1));

        var first = (await store.ClaimAsync("f", 10, 1000))[0];
        Assert.That(await store.ReleaseAsync(first.Lease, ReleaseMode.Retry, "sink timeout", TimeSpan.FromSeconds(5)), Is.EqualTo(ReleaseOutcome.Ready));
        Assert.That(await store.ClaimAsync("f", 10, 1000), Is.Empty, "retry delay not over");
        time.Advance(TimeSpan.FromSeconds(5));
        var second = (await store.ClaimAsync("f", 10, 1000))[0];
        Assert.That(second.Attempt, Is.EqualTo(2));

        Assert.That(await store.ReleaseAsync(second.Lease, ReleaseMode.Retry, "sink timeout again", TimeSpan.FromSeconds(5)), Is.EqualTo(ReleaseOutcome.Dead));
        var dead = await store.GetBatchAsync(second.BatchId);
        Assert.Multiple(() =>
        {
            Assert.That(dead!.Value.Batch.State, Is.EqualTo(BatchState.Dead));
            Assert.That(dead.Value.Batch.LastError, Is.EqualTo("sink timeout again"));
        });
    }

    [Test]
    public async Task Release_Dead_ParksAtOnce_AndReturnGivesTheAttemptBack()
    {
        var store = TestStores.Create(o => o.BatchSize = 1);
        await store.AppendAsync([TestStores.Event("agent-1", "a"), TestStores.Event("agent-2", "b")]);
        var claimed = await store.ClaimAsync("f", 10, 1000);

        Assert.That(await store.ReleaseAsync(claimed[0].Lease, ReleaseMode.Dead, "document too large"), Is.EqualTo(ReleaseOutcome.Dead));
        Assert.That(await store.ReleaseAsync(claimed[1].Lease, ReleaseMode.Return, "shutting down"), Is.EqualTo(ReleaseOutcome.Ready));

        var again = await store.ClaimAsync("g", 10, 1000);
        Assert.That(again.Single().BatchId, Is.EqualTo(claimed[1].BatchId));
        Assert.That(again.Single().Attempt, Is.EqualTo(1), "a returned batch was not tried");
    }

    [Test]
    public async Task Renew_ExtendsTheLease_SoNoOtherClaimerTakesTheBatch()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.BatchSize = 1; o.LeaseDuration = TimeSpan.FromSeconds(10); }, time);
        await store.AppendAsync(TestStores.Events("agent-1", 1));
        var claimed = (await store.ClaimAsync("f", 10, 1000))[0];

        time.Advance(TimeSpan.FromSeconds(8));
        var until = await store.RenewAsync(claimed.Lease);
        time.Advance(TimeSpan.FromSeconds(8));

        Assert.That(until, Is.EqualTo(TestStores.Start.AddSeconds(18)));
        Assert.That(await store.ClaimAsync("other", 10, 1000), Is.Empty);
        Assert.That(await store.AckAsync(claimed), Is.True);
    }

    [Test]
    public async Task Claim_StopsAtMaxEvents_ButAlwaysTakesTheFirstBatchWhole()
    {
        var store = TestStores.Create(o => o.BatchSize = 4);
        await store.AppendAsync([.. TestStores.Events("a", 4), .. TestStores.Events("b", 4), .. TestStores.Events("c", 4)]);

        var small = await store.ClaimAsync("f", 10, 2);
        var rest = await store.ClaimAsync("f", 10, 8);

        Assert.That(small.Single().Items, Has.Count.EqualTo(4));
        Assert.That(rest, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task SealAsync_SealsOneAgentNow_WithTriggerManual()
    {
        var store = TestStores.Create(o => o.BatchSize = 100);
        await store.AppendAsync(TestStores.Events("agent-1", 3));

        var batchId = await store.SealAsync("agent-1");
        var none = await store.SealAsync("agent-2");

        Assert.That(batchId, Does.StartWith("agent-1:"));
        Assert.That(none, Is.Null);
        var claimed = await store.ClaimAsync("f", 10, 1000);
        Assert.That(claimed.Single().Trigger, Is.EqualTo(BatchTrigger.Manual));
    }

    [Test]
    public async Task RedisClock_StampsDeadlinesWithTheServersTime_NotTheProcessClock()
    {
        var farPast = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = TestStores.Create(
            o => { o.Clock = ClockSource.Redis; o.BatchTime = TimeSpan.FromMinutes(1); o.BatchSize = 10; }, farPast);
        var before = await store.GetNowAsync();
        await store.AppendAsync(TestStores.Events("agent-1", 1));
        var after = await store.GetNowAsync();

        var open = (await store.ListOpenAsync(10)).Single();

        Assert.That(before.Year, Is.GreaterThan(2020), "GetNowAsync reads Redis TIME");
        Assert.That(open.OpenedAt, Is.InRange(before, after));
        Assert.That(await store.SealDueAsync(), Is.Zero, "the process clock (year 2000) plays no part");
    }
}
