using System.Text;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Batching;

public sealed class RedisBatchStoreAppendTests
{
    [Test]
    public async Task Append_WhenSizeReached_SealsExactlyThatManyItemsInArrivalOrder()
    {
        var store = TestStores.Create(o => o.BatchSize = 5);
        var events = TestStores.Events("agent-1", 7);

        for (int i = 0; i < 4; i++)
        {
            var r = await store.AppendAsync([events[i]]);
            Assert.That(r.Sealed, Is.Zero, $"append #{i + 1} must not seal");
        }

        var fifth = await store.AppendAsync([events[4]]);
        Assert.That(fifth.Sealed, Is.EqualTo(1));

        var claimed = await store.ClaimAsync("f1", 10, 1000);
        Assert.That(claimed, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(claimed[0].Items.Select(TestStores.EventIdOf), Is.EqualTo(events.Take(5).Select(e => e.EventId)));
            Assert.That(claimed[0].Trigger, Is.EqualTo(BatchTrigger.Size));
            Assert.That(claimed[0].AgentId, Is.EqualTo("agent-1"));
            Assert.That(claimed[0].Attempt, Is.EqualTo(1));
        });

        await store.AppendAsync([events[5], events[6]]);
        var open = await store.GetBatchAsync("agent-1");
        Assert.That(open, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(open!.Value.Batch.State, Is.EqualTo(BatchState.Open));
            Assert.That(open.Value.Items.Select(TestStores.EventIdOf), Is.EqualTo(new[] { events[5].EventId, events[6].EventId }));
        });
    }

    [Test]
    public async Task Append_OneCallOverManyBatchSizes_SealsEveryFullBatchAndKeepsTheRestOpen()
    {
        var store = TestStores.Create(o => o.BatchSize = 4);
        var events = TestStores.Events("agent-1", 11).Concat(TestStores.Events("agent-2", 3)).ToList();

        var result = await store.AppendAsync(events);

        Assert.That(result, Is.EqualTo(new AppendResult(14, 0, 2)));
        var claimed = await store.ClaimAsync("f1", 10, 1000);
        Assert.That(claimed.Select(b => b.Items.Count), Is.EqualTo(new[] { 4, 4 }));
        Assert.That(
            claimed.SelectMany(b => b.Items).Select(TestStores.EventIdOf),
            Is.EqualTo(events.Take(8).Select(e => e.EventId)));
        var counts = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.OpenBatches, Is.EqualTo(2));
            Assert.That(counts.OpenEvents, Is.EqualTo(6));
            Assert.That(counts.PendingEvents, Is.EqualTo(14));
        });
    }

    [Test]
    public async Task Append_DuplicateIdInOpenBatch_IsNotAddedAgain()
    {
        var store = TestStores.Create(o => o.BatchSize = 10);
        var e = TestStores.Event("agent-1", "dup-1");

        var first = await store.AppendAsync([e, TestStores.Event("agent-1", "other")]);
        var again = await store.AppendAsync([e, e]);

        Assert.That(first, Is.EqualTo(new AppendResult(2, 0, 0)));
        Assert.That(again, Is.EqualTo(new AppendResult(0, 2, 0)));
        var open = await store.GetBatchAsync("agent-1");
        Assert.That(open!.Value.Items, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Append_SomeIdsAlreadyOpen_AddsOnlyTheOthers_InOrder()
    {
        var store = TestStores.Create(o => o.BatchSize = 10);
        await store.AppendAsync([TestStores.Event("agent-1", "a"), TestStores.Event("agent-1", "b")]);

        var result = await store.AppendAsync(
            [TestStores.Event("agent-1", "b"), TestStores.Event("agent-1", "c"), TestStores.Event("agent-1", "c"), TestStores.Event("agent-1", "d")]);

        Assert.That(result, Is.EqualTo(new AppendResult(2, 2, 0)));
        var open = await store.GetBatchAsync("agent-1");
        Assert.That(open!.Value.Items.Select(TestStores.EventIdOf), Is.EqualTo(new[] { "a", "b", "c", "d" }));
    }

    [Test]
    public async Task Append_OvershootingTheBatchSize_CarriesTheRestAndTheirIdsIntoTheNextBatch()
    {
        var store = TestStores.Create(o => o.BatchSize = 4);
        await store.AppendAsync([TestStores.Event("agent-1", "x1"), TestStores.Event("agent-1", "x2"), TestStores.Event("agent-1", "x3")]);

        var overshoot = await store.AppendAsync(
            [TestStores.Event("agent-1", "y1"), TestStores.Event("agent-1", "y2"), TestStores.Event("agent-1", "y3")]);
        var again = await store.AppendAsync(
            [TestStores.Event("agent-1", "y2"), TestStores.Event("agent-1", "y3"), TestStores.Event("agent-1", "y4")]);

        Assert.That(overshoot, Is.EqualTo(new AppendResult(3, 0, 1)));
        Assert.That(again, Is.EqualTo(new AppendResult(1, 2, 0)), "carried-over ids are still guarded");
        var sealedBatch = (await store.ClaimAsync("f", 10, 100)).Single();
        Assert.That(sealedBatch.Items.Select(TestStores.EventIdOf), Is.EqualTo(new[] { "x1", "x2", "x3", "y1" }));
        var open = await store.GetBatchAsync("agent-1");
        Assert.That(open!.Value.Items.Select(TestStores.EventIdOf), Is.EqualTo(new[] { "y2", "y3", "y4" }));
        var counts = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.OpenEvents, Is.EqualTo(3));
            Assert.That(counts.PendingEvents, Is.EqualTo(7));
        });
    }

    [Test]
    public async Task Append_AfterTheBatchSizeWasLowered_SealsTheFullBatchWhole_AndLosesNothing()
    {
        // A rolling deploy that lowers FEEDBACK_BATCH_SIZE meets open batches already longer than the new size.
        string prefix = TestKeys.Prefix();
        var before = TestStores.Create(o => o.BatchSize = 10, prefix: prefix);
        await before.AppendAsync(TestStores.Events("agent-1", 5));
        var after = TestStores.Create(o => o.BatchSize = 3, prefix: prefix);

        var result = await after.AppendAsync(TestStores.Events("agent-1", 2, first: 5));

        Assert.That(result, Is.EqualTo(new AppendResult(2, 0, 1)));
        var sealedBatch = (await after.ClaimAsync("f", 10, 100)).Single();
        var counts = await after.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(sealedBatch.EventIds, Is.EqualTo(Enumerable.Range(0, 7).Select(i => $"agent-1-e{i}")), "all of it, in order");
            Assert.That(counts.OpenBatches, Is.Zero);
            Assert.That(counts.OpenEvents, Is.Zero);
            Assert.That(counts.PendingEvents, Is.EqualTo(7));
        });
    }

    [Test]
    public async Task Append_DuplicateWhileItsBatchIsSealedOrInFlight_IsSkipped_AfterTheAckStartsANewBatch()
    {
        // Documented behaviour: the guard holds an id from its append until its batch is acked; after that the
        // sink's idempotent upsert absorbs a late duplicate.
        var store = TestStores.Create(o => o.BatchSize = 2);
        await store.AppendAsync(TestStores.Events("agent-1", 2));
        var duplicate = TestStores.Event("agent-1", "agent-1-e0");

        var whileSealed = await store.AppendAsync([duplicate]);
        var claimed = (await store.ClaimAsync("f", 10, 100)).Single();
        var whileInFlight = await store.AppendAsync([duplicate]);
        Assert.That(await store.AckAsync(claimed), Is.True);
        var afterAck = await store.AppendAsync([duplicate]);

        Assert.Multiple(() =>
        {
            Assert.That(whileSealed, Is.EqualTo(new AppendResult(0, 1, 0)));
            Assert.That(whileInFlight, Is.EqualTo(new AppendResult(0, 1, 0)));
            Assert.That(claimed.EventIds, Is.EqualTo(new[] { "agent-1-e0", "agent-1-e1" }));
            Assert.That(afterAck, Is.EqualTo(new AppendResult(1, 0, 0)));
        });
    }

    [Test]
    public async Task Append_SameIdForAnotherAgent_IsADuplicate_TheGuardIsPerShardNotPerAgent()
    {
        var store = TestStores.Create(o => o.BatchSize = 10);

        var first = await store.AppendAsync([TestStores.Event("agent-1", "shared-id")]);
        var second = await store.AppendAsync([TestStores.Event("agent-2", "shared-id"), TestStores.Event("agent-2", "own-id")]);

        Assert.Multiple(async () =>
        {
            Assert.That(first, Is.EqualTo(new AppendResult(1, 0, 0)));
            Assert.That(second, Is.EqualTo(new AppendResult(1, 1, 0)));
            Assert.That((await store.GetBatchAsync("agent-2"))!.Value.Items.Select(TestStores.EventIdOf), Is.EqualTo(new[] { "own-id" }));
        });
    }

    [Test]
    public async Task Append_WhenMoreBatchesOpenThanAllowed_SealsTheOldestAndKeepsEveryEvent()
    {
        var time = new FakeTimeProvider(TestStores.Start);
        var store = TestStores.Create(o => { o.MaxOpenBatches = 3; o.BatchSize = 100; }, time);
        var all = new List<AppendEvent>();
        for (int a = 0; a < 5; a++)
        {
            var events = TestStores.Events($"agent-{a}", 2);
            all.AddRange(events);
            await store.AppendAsync(events);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var counts = await store.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.OpenBatches, Is.EqualTo(3));
            Assert.That(counts.ReadyBatches, Is.EqualTo(2));
        });
        var claimed = await store.ClaimAsync("f1", 10, 1000);
        Assert.That(claimed.Select(b => b.AgentId), Is.EqualTo(new[] { "agent-0", "agent-1" }), "the oldest are sealed");
        Assert.That(claimed.Select(b => b.Trigger), Is.All.EqualTo(BatchTrigger.Overflow));

        await store.SealDueAsync(); // nothing due yet
        foreach (var agent in new[] { "agent-2", "agent-3", "agent-4" })
        {
            await store.SealAsync(agent);
        }

        var rest = await store.ClaimAsync("f1", 10, 1000);
        var ids = claimed.Concat(rest).SelectMany(b => b.Items).Select(TestStores.EventIdOf).ToList();
        Assert.That(ids, Is.EquivalentTo(all.Select(e => e.EventId)), "an early flush, never a loss");
    }

    [Test]
    public async Task Append_InvalidAgentId_IsRefusedAndNothingReachesRedis()
    {
        var store = TestStores.Create();
        var good = TestStores.Event("agent-1", "e1");
        string[] badIds = ["", "a:b", "{tag}", "x y", "#global-1", "agent*", new string('a', 129), "é"];

        foreach (var bad in badIds)
        {
            var ex = await Assert.ThrowsAsync<InvalidBatchEventException>(() => store.AppendAsync([good, good with { AgentId = bad }]));
            Assert.Multiple(() =>
            {
                Assert.That(ex!.Reason, Is.EqualTo(InvalidEventReason.InvalidAgentId), bad);
                Assert.That(ex.Index, Is.EqualTo(1));
                Assert.That(ex.Message, Does.Contain("agent id"));
            });
        }

        Assert.That(await TestStores.KeysAsync(store), Is.Empty, "no partial state");
    }

    [Test]
    public async Task Append_OversizedItem_IsRefusedWithItsSize()
    {
        var store = TestStores.Create(o => o.MaxItemBytes = 1024);
        var big = AppendEvent.FromJson("e1", "agent-1", "\"" + new string('x', 2000) + "\"");

        var ex = await Assert.ThrowsAsync<InvalidBatchEventException>(() => store.AppendAsync([TestStores.Event("agent-1", "e0"), big]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Reason, Is.EqualTo(InvalidEventReason.ItemTooLarge));
            Assert.That(ex.Message, Does.Contain("2,002 bytes").And.Contain("1,024"));
        });
        Assert.That(await TestStores.KeysAsync(store), Is.Empty);
    }

    [Test]
    public async Task Append_ItemOfMultiByteText_IsLimitedByItsUtf8Bytes()
    {
        var store = TestStores.Create(o => o.MaxItemBytes = 1024);
        // 602 characters, 1,202 UTF-8 bytes: within the limit counted in characters, over it in bytes.
        var accented = AppendEvent.FromJson("e1", "agent-1", "\"" + new string('é', 600) + "\"");
        var fits = AppendEvent.FromJson("e2", "agent-1", "\"" + new string('é', 511) + "\"");

        var ex = await Assert.ThrowsAsync<InvalidBatchEventException>(() => store.AppendAsync([accented]));
        var taken = await store.AppendAsync([fits]);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Reason, Is.EqualTo(InvalidEventReason.ItemTooLarge));
            Assert.That(ex.Message, Does.Contain("1,202 bytes").And.Contain("1,024"));
            Assert.That(fits.Item, Has.Length.EqualTo(1024), "exactly at the limit");
            Assert.That(taken.Added, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Append_EmptyItem_IsRefusedAsEmpty()
    {
        var store = TestStores.Create();

        var ex = await Assert.ThrowsAsync<InvalidBatchEventException>(() => store.AppendAsync([new AppendEvent("e1", "agent-1", [])]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Reason, Is.EqualTo(InvalidEventReason.EmptyItem));
            Assert.That(ex.Message, Does.Contain("the item is empty"));
        });
    }

    [Test]
    public async Task Append_ClassifiedNonAsciiEvent_StoresExactlyTheWritersBytes()
    {
        var store = TestStores.Create(o => o.Mode = BatchingMode.Agent);
        var classifier = new EventClassifier(new FeedbackTopics("fb.reply", "fb.reaction"), 4096, new SourceIdentity("s"));
        byte[] message = Encoding.UTF8.GetBytes("""{"eventId":"e-utf8","agentId":"agent-1","text":"ça 日本 👍 Ω","locale":"ελληνικά"}""");
        var receivedAt = TestStores.Start;
        var accepted = classifier.Classify(new IncomingMessage("fb.reply", 2, 17, message), receivedAt).Event!;
        byte[] written = StoredItem.Write(FeedbackEventReader.Read(message, FeedbackType.Reply, out _)!, "e-utf8", "fb.reply", 2, 17, receivedAt);

        await store.AppendAsync([accepted]);
        var stored = await SharedRedis.Connection.GetDatabase().ListRangeAsync(store.Keys.OpenBatch("agent-1"));

        Assert.That(stored, Has.Length.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(accepted.Item, Is.EqualTo(written), "the classifier hands over the writer's bytes");
            Assert.That((byte[])stored[0]!, Is.EqualTo(written), "Redis holds those bytes, none transcoded");
            Assert.That(stored[0].ToString(), Does.Contain("\"text\":\"ça 日本 \\uD83D\\uDC4D Ω\"").And.Contain("\"locale\":\"ελληνικά\""));
        });
    }

    [Test]
    public async Task Append_InvalidEventId_IsRefused()
    {
        var store = TestStores.Create();

        var ex = await Assert.ThrowsAsync<InvalidBatchEventException>(() => store.AppendAsync([TestStores.Event("agent-1", "bad\nid")]));

        Assert.That(ex!.Reason, Is.EqualTo(InvalidEventReason.InvalidEventId));
    }
}
