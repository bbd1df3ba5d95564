using FeedbackRedis.Batching;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Flushing;

public sealed class BatchFlusherTests
{
    [Test]
    public async Task Round_WritesAnnouncesAndAcksEveryReadyBatch_InGroupsUpToMaxWriteEvents()
    {
        var f = new FlusherFixture(o => o.BatchSize = 5, o => o.MaxWriteEvents = 20);
        for (int a = 0; a < 10; a++)
        {
            await f.Store.AppendAsync(TestFeedback.Events($"agent-{a}", 5));
        }

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(10));
            Assert.That(f.Sink.Calls, Has.Count.EqualTo(3), "10 batches of 5 events in writes of at most 20 events: 4 + 4 + 2");
            Assert.That(f.Sink.Calls.Select(c => c.Sum(b => b.Events.Count)), Has.All.LessThanOrEqualTo(20));
            Assert.That(f.Sink.WrittenEventIds, Is.Unique.And.Count.EqualTo(50));
            Assert.That(f.Publisher.Messages.Select(m => m.BatchId).ToList(), Is.Unique.And.Count.EqualTo(10));
        });
        var counts = await f.Store.GetCountsAsync();
        Assert.That((counts.ReadyBatches, counts.InFlightBatches, counts.DeadBatches, counts.PendingEvents), Is.EqualTo((0L, 0L, 0L, 0L)));
    }

    [Test]
    public async Task Round_SealsBatchesWhoseDeadlinePassed_AndFlushesThemWithTheTimeTrigger()
    {
        var f = new FlusherFixture(o => { o.BatchSize = 100; o.BatchTime = TimeSpan.FromSeconds(10); });
        await f.Store.AppendAsync(TestFeedback.Events("agent-1", 3));

        var early = await f.Flusher.RunOnceAsync(CancellationToken.None);
        f.Time.Advance(TimeSpan.FromSeconds(10));
        var due = await f.Flusher.RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(early.Sealed + early.Claimed, Is.Zero, "before the deadline");
            Assert.That(due.Sealed, Is.EqualTo(1));
            Assert.That(due.Acked, Is.EqualTo(1));
            Assert.That(f.Publisher.Messages.Single().Trigger, Is.EqualTo("time"));
        });
    }

    [Test]
    public async Task Announcement_CarriesBatchIdAgentCountTriggerEventTimesAndIds()
    {
        var f = new FlusherFixture(o => o.BatchSize = 3);
        var t0 = TestStores.Start.AddMinutes(-5);
        await f.Store.AppendAsync(
        [
            TestFeedback.Event("agent-7", "e-2", occurredAt: t0.AddSeconds(2)),
            TestFeedback.Event("agent-7", "e-1", "reaction", "like", t0),
            TestFeedback.Event("agent-7", "e-3", occurredAt: t0.AddSeconds(1)),
        ]);

        await f.Flusher.RunOnceAsync(CancellationToken.None);

        var message = f.Publisher.Messages.Single();
        Assert.Multiple(() =>
        {
            Assert.That(message.BatchId, Does.StartWith("agent-7:"));
            Assert.That(message.AgentId, Is.EqualTo("agent-7"));
            Assert.That(message.AgentIds, Is.EqualTo(new[] { "agent-7" }));
            Assert.That(message.EventCount, Is.EqualTo(3));
            Assert.That(message.Trigger, Is.EqualTo("size"));
            Assert.That(message.FirstEventAt, Is.EqualTo(t0));
            Assert.That(message.LastEventAt, Is.EqualTo(t0.AddSeconds(2)));
            Assert.That(message.EventIds, Is.EqualTo(new[] { "e-2", "e-1", "e-3" }), "arrival order");
            Assert.That(message.Attempt, Is.EqualTo(1));
            Assert.That(message.Sink, Is.EqualTo("fake"));
            Assert.That(message.FlushedAt, Is.EqualTo(f.Time.GetUtcNow()));
        });
    }

    [Test]
    public async Task SinkFailingFor20Seconds_GivesLeasesBackAndBacksOff_ThenWritesEveryEventOnce()
    {
        var f = new FlusherFixture(o => o.BatchSize = 5, o => { o.RetryBaseDelay = TimeSpan.FromSeconds(1); o.RetryMaxDelay = TimeSpan.FromSeconds(30); });
        var recovery = TestStores.Start.AddSeconds(20);
        int failures = 0;
        f.Sink.Behaviour = (batches, _) =>
        {
            if (f.Time.GetUtcNow() < recovery)
            {
                failures++;
                return Task.FromResult<IReadOnlyList<BatchWriteResult>>(
                    [.. batches.Select(b => new BatchWriteResult(b.BatchId, SinkOutcome.Unavailable, "MongoDB did not answer (test)"))]);
            }

            return Task.FromResult(FakeSink.AllWritten(batches));
        };
        for (int a = 0; a < 4; a++)
        {
            await f.Store.AppendAsync(TestFeedback.Events($"agent-{a}", 5));
        }

        var total = await f.RunUntilAsync(f.DrainedAsync, TimeSpan.FromSeconds(1));

        var firstSuccess = f.Publisher.Messages.Min(m => m.FlushedAt);
        TestContext.Out.WriteLine($"failed writes: {failures}; first success at +{(firstSuccess - TestStores.Start).TotalSeconds} s; {total}");
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.InRange(3, 8), "retried with exponential backoff (about 1, 2, 4, 8, 16 s), not on every 1 s round");
            Assert.That(firstSuccess, Is.GreaterThanOrEqualTo(recovery));
            Assert.That(f.Sink.WrittenEventIds, Is.Unique.And.Count.EqualTo(20), "every event once, none lost");
            Assert.That(f.Publisher.Messages.Select(m => m.Attempt), Has.All.EqualTo(1), "an unavailable sink uses up no attempt");
            Assert.That(total.Dead, Is.Zero);
        });
        Assert.That((await f.Store.GetCountsAsync()).PendingEvents, Is.Zero);
    }

    [Test]
    public async Task SinkRejectingOneBatchPermanently_ParksItDeadWithItsReason_AndFlushesTheOthers()
    {
        var f = new FlusherFixture(o => { o.BatchSize = 5; o.MaxAttempts = 3; });
        f.Sink.Behaviour = (batches, _) => Task.FromResult<IReadOnlyList<BatchWriteResult>>(
        [
            .. batches.Select(b => b.Claim.Member == "agent-bad"
                ? new BatchWriteResult(b.BatchId, SinkOutcome.Rejected, "121 Document failed validation (test)")
                : BatchWriteResult.Written(b.BatchId)),
        ]);
        await f.Store.AppendAsync([.. TestFeedback.Events("agent-1", 5), .. TestFeedback.Events("agent-bad", 5), .. TestFeedback.Events("agent-2", 5)]);

        var total = await f.RunUntilAsync(f.DrainedAsync, TimeSpan.FromSeconds(1));

        var dead = await f.Store.ListSealedAsync(BatchState.Dead, 10);
        Assert.Multiple(() =>
        {
            Assert.That(dead, Has.Count.EqualTo(1));
            Assert.That(dead[0].Id, Does.StartWith("agent-bad:"));
            Assert.That(dead[0].LastError, Does.Contain("Document failed validation"));
            Assert.That(dead[0].Meta["attempts"], Is.EqualTo("3"), "dead once its attempts were used up");
            Assert.That(f.Sink.Calls.Count(c => c.Any(b => b.Claim.Member == "agent-bad")), Is.EqualTo(3));
            Assert.That(f.Sink.WrittenEventIds, Is.Unique.And.Count.EqualTo(10), "the other two batches");
            Assert.That(f.Publisher.Messages.Select(m => m.AgentId), Is.EquivalentTo(new[] { "agent-1", "agent-2" }));
            Assert.That(total.Dead, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task UnreadableItem_IsQuarantinedAsADeadBatchOfItsOwn_AndTheRestOfItsBatchIsWrittenAndAcked()
    {
        var f = new FlusherFixture(o => o.BatchSize = 3);
        await f.Store.AppendAsync(
        [
            TestFeedback.Event("agent-x", "x-1"),
            AppendEvent.FromJson("x-2", "agent-x", "{not json"),
            TestFeedback.Event("agent-x", "x-3"),
            .. TestFeedback.Events("agent-y", 3),
        ]);

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        var dead = await f.Store.ListSealedAsync(BatchState.Dead, 10);
        var deadItems = (await f.Store.GetBatchAsync(dead.Single().Id))!.Value.Items;
        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(2), "both batches, agent-x's without its bad item");
            Assert.That(round.Quarantined, Is.EqualTo(1));
            Assert.That(dead.Single().Id, Does.StartWith("agent-x:"));
            Assert.That(dead.Single().Meta["trigger"], Is.EqualTo("quarantine"));
            Assert.That(dead.Single().Meta["quarantinedFrom"], Does.StartWith("agent-x:"));
            Assert.That(dead.Single().LastError, Does.Contain("item #1").And.Contain("not JSON"));
            Assert.That(deadItems, Is.EqualTo(new[] { "{not json" }));
            Assert.That(f.Sink.WrittenEventIds, Is.EquivalentTo(new[] { "x-1", "x-3", "agent-y-e0", "agent-y-e1", "agent-y-e2" }));
            Assert.That(f.Publisher.Messages.Single(m => m.AgentId == "agent-x").EventIds, Is.EqualTo(new[] { "x-1", "x-3" }));
        });
        var counts = await f.Store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.PendingEvents, Is.Zero, "the quarantined item is dead, not pending");
            Assert.That(counts.DeadBatches, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task BatchOfOnlyUnreadableItems_IsDeadAtOnce_WithTheReason()
    {
        var f = new FlusherFixture(o => o.BatchSize = 2);
        await f.Store.AppendAsync([AppendEvent.FromJson("z-1", "agent-z", "[1]"), AppendEvent.FromJson("z-2", "agent-z", "{\"eventId\":\"z-2\"}")]);

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        var dead = (await f.Store.ListSealedAsync(BatchState.Dead, 10)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(round.Dead, Is.EqualTo(1));
            Assert.That(dead.Meta["attempts"], Is.EqualTo("1"), "no retry: the items cannot change");
            Assert.That(dead.LastError, Does.Contain("item #0").And.Contain("not an object").And.Contain("item #1"));
            Assert.That(f.Sink.Calls, Is.Empty);
        });
    }

    [Test]
    public async Task ItemsTheSinkRefusesOneByOne_AreQuarantined_AndTheRestIsAcked()
    {
        var f = new FlusherFixture(o => o.BatchSize = 4);
        f.Sink.Behaviour = (batches, _) => Task.FromResult<IReadOnlyList<BatchWriteResult>>(
        [
            .. batches.Select(b => BatchWriteResult.WrittenExcept(
                b.BatchId, [.. b.Events.Where(e => e.EventId.EndsWith("e1", StringComparison.Ordinal)).Select(e => new RejectedItem(e.ItemIndex, "121 Document failed validation (test)"))])),
        ]);
        await f.Store.AppendAsync([.. TestFeedback.Events("agent-1", 4), .. TestFeedback.Events("agent-2", 4)]);

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        var dead = await f.Store.ListSealedAsync(BatchState.Dead, 10);
        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(2));
            Assert.That(round.Quarantined, Is.EqualTo(2));
            Assert.That(dead.Select(d => d.Id.Split(':')[0]), Is.EquivalentTo(new[] { "agent-1", "agent-2" }));
            Assert.That(dead.Select(d => d.LastError), Has.All.Contain("Document failed validation").And.All.Contain("-e1"));
            Assert.That(f.Publisher.Messages.SelectMany(m => m.EventIds), Has.None.EndsWith("e1").And.Count.EqualTo(6));
        });
        Assert.That((await f.Store.GetCountsAsync()).PendingEvents, Is.Zero);
    }

    [Test]
    public async Task SinkThrowingUnexpectedly_UsesAnAttemptEachTime_AndTheBatchEndsDeadWithTheReason()
    {
        var f = new FlusherFixture(o => { o.BatchSize = 2; o.MaxAttempts = 3; }, o => o.RetryBaseDelay = TimeSpan.FromSeconds(1));
        f.Sink.Behaviour = (_, _) => throw new InvalidOperationException("a bug in the sink (test)");
        await f.Store.AppendAsync(TestFeedback.Events("agent-1", 2));

        var total = await f.RunUntilAsync(async () => (await f.Store.GetCountsAsync()).DeadBatches == 1, TimeSpan.FromSeconds(1));

        var dead = (await f.Store.ListSealedAsync(BatchState.Dead, 10)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(dead.Meta["attempts"], Is.EqualTo("3"));
            Assert.That(dead.LastError, Does.Contain("a bug in the sink (test)"));
            Assert.That(f.Sink.Calls, Has.Count.EqualTo(3), "tried once per attempt, never for ever");
            Assert.That(total.Dead, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task FailedWrite_IsRetriedAfterItsBackoffDelay_AndNotBefore()
    {
        var f = new FlusherFixture(o => o.BatchSize = 2, o => o.RetryBaseDelay = TimeSpan.FromSeconds(2));
        int calls = 0;
        f.Sink.Behaviour = (batches, _) => Task.FromResult<IReadOnlyList<BatchWriteResult>>(++calls == 1
            ? [.. batches.Select(b => new BatchWriteResult(b.BatchId, SinkOutcome.Failed, "112 WriteConflict (test)"))]
            : FakeSink.AllWritten(batches));
        await f.Store.AppendAsync(TestFeedback.Events("agent-1", 2));

        var first = await f.Flusher.RunOnceAsync(CancellationToken.None);
        f.Time.Advance(TimeSpan.FromMilliseconds(900));
        var tooEarly = await f.Flusher.RunOnceAsync(CancellationToken.None);
        f.Time.Advance(TimeSpan.FromMilliseconds(1_100));
        var retried = await f.Flusher.RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Retried, Is.EqualTo(1));
            Assert.That(tooEarly.Claimed, Is.Zero, "the first retry waits between 1 and 2 s (2 s base, equal jitter)");
            Assert.That(retried.Acked, Is.EqualTo(1));
            Assert.That(f.Publisher.Messages.Single().Attempt, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task SlowWriteLongerThanThreeLeases_KeepsItsLeaseByRenewing_SoNoOtherFlusherCanClaimIt()
    {
        var f = new FlusherFixture(o => { o.BatchSize = 2; o.LeaseDuration = TimeSpan.FromSeconds(30); });
        var intruder = TestStores.Create(o => o.LeaseDuration = TimeSpan.FromSeconds(30), f.Time, prefix: f.Store.Options.KeyPrefix);
        int stolen = 0;
        f.Sink.Behaviour = async (batches, ct) =>
        {
            for (int step = 0; step < 9; step++)
            {
                f.Time.Advance(TimeSpan.FromSeconds(10));
                var expected = f.Time.GetUtcNow() + TimeSpan.FromSeconds(30);
                await Eventually.WaitAsync(async () => await LeaseUntilAsync(f.Store) >= expected, TimeSpan.FromSeconds(10), "the lease renewed");
                stolen += (await intruder.ClaimAsync("intruder", 10, 1000, ct)).Count;
            }

            return FakeSink.AllWritten(batches);
        };
        await f.Store.AppendAsync(TestFeedback.Events("agent-1", 2));

        var round = await f.Flusher.RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(stolen, Is.Zero, "90 s of writing under a 30 s lease, and nobody else could claim the batch");
            Assert.That(round.Acked, Is.EqualTo(1));
            Assert.That(round.Lost, Is.Zero);
        });
    }

    [Test]
    public async Task WriteOutlivingItsLeaseWithoutRenewal_IsAbandonedBeforeTheLeaseExpires_AndAnotherFlusherWritesIt()
    {
        var f = new FlusherFixture(o => { o.BatchSize = 2; o.LeaseDuration = TimeSpan.FromSeconds(30); });
        DateTimeOffset? abandonedAt = null;
        f.Sink.Behaviour = async (batches, ct) =>
        {
            f.Time.Advance(TimeSpan.FromSeconds(25)); // the write stalls: no renewal confirmed for 80 % of the lease
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                abandonedAt = f.Time.GetUtcNow();
                throw;
            }

            return FakeSink.AllWritten(batches);
        };
        await f.Store.AppendAsync(TestFeedback.Events("agent-1", 2));

        var roundA = await f.Flusher.RunOnceAsync(CancellationToken.None);
        var sinkB = new FakeSink();
        var roundB = await f.NewFlusher("flusher-b", sinkB).RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(abandonedAt, Is.Not.Null.And.LessThan(TestStores.Start.AddSeconds(30)), "abandoned before the lease could expire");
            Assert.That(roundA.Acked, Is.Zero);
            Assert.That(roundA.Returned + roundA.Lost, Is.EqualTo(1));
            Assert.That(f.Sink.Written, Is.Empty);
            Assert.That(roundB.Acked, Is.EqualTo(1));
            Assert.That(sinkB.WrittenEventIds, Is.EquivalentTo(new[] { "agent-1-e0", "agent-1-e1" }));
        });
    }

    [Test]
    public async Task Shutdown_GivesBackTheLeasesOfAWriteThatOutlivesTheDrainTimeout()
    {
        var f = new FlusherFixture(o => o.BatchSize = 2, o => o.DrainTimeout = TimeSpan.FromSeconds(5));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Sink.Behaviour = async (batches, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return FakeSink.AllWritten(batches);
        };
        await f.Store.AppendAsync([.. TestFeedback.Events("agent-1", 2), .. TestFeedback.Events("agent-2", 2)]);
        using var stopping = new CancellationTokenSource();

        var run = f.Flusher.RunOnceAsync(stopping.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stopping.CancelAsync();
        f.Time.Advance(TimeSpan.FromSeconds(5));
        var round = await run.WaitAsync(TimeSpan.FromSeconds(10));

        var ready = await f.Store.ListSealedAsync(BatchState.Ready, 10);
        Assert.Multiple(() =>
        {
            Assert.That(round.Returned, Is.EqualTo(2));
            Assert.That(round.Acked, Is.Zero);
            Assert.That(ready, Has.Count.EqualTo(2), "claimable at once by another flusher");
            Assert.That(ready.Select(b => b.Meta["attempts"]), Has.All.EqualTo("0"), "the attempt is given back");
        });
    }

    [Test]
    public async Task Shutdown_LetsAWriteFinishingWithinTheDrainTimeoutAck_AndClaimsNothingMore()
    {
        var f = new FlusherFixture(o => o.BatchSize = 2, o => { o.DrainTimeout = TimeSpan.FromSeconds(5); o.MaxWriteBatches = 1; });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Sink.Behaviour = async (batches, _) =>
        {
            started.TrySetResult();
            await finish.Task;
            return FakeSink.AllWritten(batches);
        };
        await f.Store.AppendAsync([.. TestFeedback.Events("agent-1", 2), .. TestFeedback.Events("agent-2", 2)]);
        using var stopping = new CancellationTokenSource();

        var run = f.Flusher.RunOnceAsync(stopping.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stopping.CancelAsync();
        f.Time.Advance(TimeSpan.FromSeconds(4));
        finish.SetResult();
        var round = await run.WaitAsync(TimeSpan.FromSeconds(10));

        var counts = await f.Store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(round.Acked, Is.EqualTo(1));
            Assert.That(f.Sink.Calls, Has.Count.EqualTo(1), "no new claim once stopping");
            Assert.That((counts.ReadyBatches, counts.InFlightBatches), Is.EqualTo((1L, 0L)));
        });
    }

    [Test]
    public async Task UndeliveredAnnouncement_LeavesTheBatchUnacked_AndItIsWrittenAndAnnouncedLater()
    {
        var f = new FlusherFixture(o => o.BatchSize = 2);
        f.Publisher.FailNext(1);
        await f.Store.AppendAsync(TestFeedback.Events("agent-1", 2));

        var first = await f.Flusher.RunOnceAsync(CancellationToken.None);
        var paused = await f.Flusher.RunOnceAsync(CancellationToken.None);
        f.Time.Advance(TimeSpan.FromSeconds(2));
        var second = await f.Flusher.RunOnceAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Acked, Is.Zero);
            Assert.That(first.Returned, Is.EqualTo(1));
            Assert.That(paused.Claimed, Is.Zero, "claiming pauses after an unavailable announcement topic");
            Assert.That(second.Acked, Is.EqualTo(1));
            Assert.That(f.Sink.Written, Has.Count.EqualTo(2), "written twice: the sink write is idempotent");
            Assert.That(f.Publisher.Messages, Has.Count.EqualTo(1));
        });
    }

    private static async Task<DateTimeOffset> LeaseUntilAsync(RedisBatchStore store)
    {
        var inFlight = await store.ListSealedAsync(BatchState.InFlight, 1);
        return inFlight.Count == 0
            ? DateTimeOffset.MinValue
            : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(inFlight[0].Meta["leaseUntil"], System.Globalization.CultureInfo.InvariantCulture));
    }
}
