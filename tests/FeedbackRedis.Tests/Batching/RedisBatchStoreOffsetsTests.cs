using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// The Kafka offsets append.lua records with the events (one record per partition and shard), and its refusal of an
/// append whose caller recorded more than Redis still holds.
/// </summary>
public sealed class RedisBatchStoreOffsetsTests
{
    private static readonly KafkaPartition P0 = new("feedback.reply.received", 0);
    private static readonly KafkaPartition P1 = new("feedback.reaction.received", 1);

    [Test]
    public async Task Append_RecordsEachPartitionsHighestOffset_AndNeverLowersIt()
    {
        var store = TestStores.Create();
        await store.AppendAsync(TestStores.Events("agent-1", 3), [new(P0, -1, 41), new(P1, -1, 7)]);
        await store.AppendAsync(TestStores.Events("agent-1", 2, first: 3), [new(P0, 41, 40)]); // a retried, older call

        var offsets = await store.ReadOffsetsAsync([P0, P1, new KafkaPartition("other", 3)]);
        Assert.Multiple(async () =>
        {
            Assert.That(offsets[P0], Is.EqualTo(41));
            Assert.That(offsets[P1], Is.EqualTo(7));
            Assert.That(offsets[new KafkaPartition("other", 3)], Is.Null, "never recorded");
            Assert.That(await SharedRedis.Connection.GetDatabase().HashGetAsync(store.Keys.Offsets(0), "feedback.reply.received/0"), Is.EqualTo((RedisValue)41));
        });
    }

    [Test]
    public async Task Append_OfNoEvents_RecordsOnlyTheOffsets()
    {
        var store = TestStores.Create();
        var result = await store.AppendAsync([], [new(P0, -1, 99)]);

        Assert.Multiple(async () =>
        {
            Assert.That(result, Is.EqualTo(new AppendResult(0, 0, 0)));
            Assert.That((await store.ReadOffsetsAsync([P0]))[P0], Is.EqualTo(99));
            Assert.That((await store.GetCountsAsync()).PendingEvents, Is.Zero);
        });
    }

    [Test]
    public async Task Append_ExpectingMoreThanRedisHolds_IsRefusedWholeNamingThePartitionAndItsRecord()
    {
        var store = TestStores.Create();
        await store.AppendAsync(TestStores.Events("agent-1", 2), [new(P0, -1, 10), new(P1, -1, 5)]);
        var before = await store.GetCountsAsync();

        // the caller recorded 20 for P0 (Redis lost it: it holds 10), and 5 for P1 (as Redis has it)
        var result = await store.AppendAsync(TestStores.Events("agent-2", 3), [new(P0, 20, 25), new(P1, 5, 9)]);

        var after = await store.GetCountsAsync();
        var offsets = await store.ReadOffsetsAsync([P0, P1]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Refused, Is.True);
            Assert.That(result.Behind, Is.EqualTo(new Dictionary<KafkaPartition, long?> { [P0] = 10 }), "only the partition Redis is behind on");
            Assert.That(after, Is.EqualTo(before), "nothing of the refused call was written");
            Assert.That(offsets[P0], Is.EqualTo(10));
            Assert.That(offsets[P1], Is.EqualTo(5), "not even the partition that was as expected");
        });
    }

    [Test]
    public async Task Append_ExpectingARecordRedisNoLongerHas_IsRefusedWithNoneHeld()
    {
        var store = TestStores.Create();
        var result = await store.AppendAsync(TestStores.Events("agent-1", 1), [new(P0, 3, 4)]);

        Assert.Multiple(async () =>
        {
            Assert.That(result.Behind, Is.EqualTo(new Dictionary<KafkaPartition, long?> { [P0] = null }));
            Assert.That((await store.GetCountsAsync()).PendingEvents, Is.Zero);
        });
    }

    [Test]
    public async Task Append_CallerBehindRedisRecord_IsNotRefusedAndTheRecordStays()
    {
        var store = TestStores.Create();
        await store.AppendAsync([], [new(P0, -1, 50)]);
        var result = await store.AppendAsync(TestStores.Events("agent-1", 1), [new(P0, 30, 31)]); // another owner went further

        Assert.Multiple(async () =>
        {
            Assert.That(result.Refused, Is.False);
            Assert.That(result.Added, Is.EqualTo(1));
            Assert.That((await store.ReadOffsetsAsync([P0]))[P0], Is.EqualTo(50));
        });
    }

    [Test]
    public async Task Append_LargerThanOneCall_RecordsItsOffsetsOnceAllOfItIsIn()
    {
        var store = TestStores.Create(o => o.BatchSize = 100_000);
        var events = TestStores.Events("agent-1", (RedisBatchStore.MaxEventsPerCall * 2) + 7);
        var result = await store.AppendAsync(events, [new(P0, -1, 2_000)]);

        Assert.Multiple(async () =>
        {
            Assert.That(result.Added, Is.EqualTo(events.Count));
            Assert.That((await store.ReadOffsetsAsync([P0]))[P0], Is.EqualTo(2_000));
        });
    }

    [Test]
    [Category("Process")]
    public async Task ClusterLayout_EveryShardRecordsEveryAppend_TheSafePositionIsTheLowestRecord()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var store = TestStores.Create(o => o.RedisShards = 4, new FakeTimeProvider(TestStores.Start), connection);
        var db = connection.GetDatabase();

        // one agent's events: one shard gets them, all four record the offset
        await store.AppendAsync(TestStores.Events("agent-1", 3), [new(P0, -1, 12)]);
        var perShard = new List<RedisValue>();
        for (int shard = 0; shard < 4; shard++)
        {
            perShard.Add(await db.HashGetAsync(store.Keys.Offsets(shard), P0.Field));
        }

        Assert.That(perShard, Is.All.EqualTo((RedisValue)12), "every shard records the append");

        int lagging = (store.Keys.ShardOf("agent-1") + 1) % 4;
        await db.HashSetAsync(store.Keys.Offsets(lagging), P0.Field, 8); // that shard lost its last appends
        Assert.That((await store.ReadOffsetsAsync([P0]))[P0], Is.EqualTo(8), "the lowest record over the shards");

        var refused = await store.AppendAsync(TestStores.Events("agent-2", 1), [new(P0, 12, 13)]);
        Assert.That(refused.Behind, Is.EqualTo(new Dictionary<KafkaPartition, long?> { [P0] = 8 }), "the lagging shard refuses, the rewind goes to its record");

        await db.HashDeleteAsync(store.Keys.Offsets(lagging), P0.Field);
        Assert.That((await store.ReadOffsetsAsync([P0]))[P0], Is.Null, "a shard without a record makes the position unknown");
    }

    [Test]
    public async Task Append_MorePartitionsThanOneLuaCallCanUnpack_RecordsThemAllOrNothing()
    {
        var store = TestStores.Create();
        var positions = Enumerable.Range(0, 9_000).Select(p => new PartitionPosition(new KafkaPartition("t", p), -1, p)).ToList();
        var result = await store.AppendAsync(TestStores.Events("agent-1", 3), positions);

        var offsets = await store.ReadOffsetsAsync(positions.Select(p => p.Partition));
        Assert.Multiple(async () =>
        {
            Assert.That(result.Added, Is.EqualTo(3));
            Assert.That(offsets.Values, Is.EqualTo(Enumerable.Range(0, 9_000).Select(p => (long?)p)));
            Assert.That((await store.GetCountsAsync()).PendingEvents, Is.EqualTo(3), "the counters were written too");
        });
    }

    [Test]
    public async Task Ack_OfABatchNoLongerHoldingWhatWasClaimed_DeletesNothing()
    {
        var store = TestStores.Create();
        await store.AppendAsync(TestStores.Events("agent-1", 5));
        var claimed = (await store.ClaimAsync("f", 1, 100)).Single();
        // as after a Redis data loss: the same id, owner and fence, another content
        await SharedRedis.Connection.GetDatabase().ListRightPushAsync(store.Keys.Sealed(claimed.BatchId), TestStores.Event("agent-1", "rolled-back").Item);

        Assert.Multiple(async () =>
        {
            Assert.That(await store.AckAsync(claimed), Is.False);
            Assert.That(await SharedRedis.Connection.GetDatabase().ListLengthAsync(store.Keys.Sealed(claimed.BatchId)), Is.EqualTo(6));
        });
    }
}
