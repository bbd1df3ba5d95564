using System.Diagnostics;
using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary><c>FEEDBACK_REDIS_WAIT_REPLICAS</c>: each append waits (Redis WAIT) for replicas of a real redis-server.</summary>
public sealed class RedisBatchStoreReplicaTests
{
    [Test]
    public async Task Append_WaitingForOneReplica_SucceedsOnceOneIsLinkedAndItHoldsTheEvents()
    {
        await using var primary = await RedisServer.StartAsync(settings: RedisServer.Recommended);
        await using var replica = await primary.StartReplicaAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(primary.ConnectionString);
        var store = TestStores.Create(o =>
        {
            o.WaitReplicas = 1;
            o.WaitTimeout = TimeSpan.FromSeconds(5);
        }, connection: connection);

        var result = await store.AppendAsync(TestStores.Events("agent-1", 7));

        await using var onReplica = await ConnectionMultiplexer.ConnectAsync(replica.ConnectionString);
        var onPrimaryKeys = await TestStores.KeysAsync(store, connection);
        var onReplicaKeys = await TestStores.KeysAsync(store, onReplica);
        Assert.Multiple(() =>
        {
            Assert.That(result.Added, Is.EqualTo(7));
            Assert.That(onReplica.GetServers()[0].IsReplica, Is.True);
            Assert.That(onReplicaKeys, Is.EquivalentTo(onPrimaryKeys).And.Not.Empty, "WAIT returned once the replica had every key of the append");
        });
    }

    [Test]
    public async Task Append_WaitingForAMissingReplica_FailsAsUnavailableWithinTheTimeout()
    {
        // the shared server has no replica
        var store = TestStores.Create(o =>
        {
            o.WaitReplicas = 1;
            o.WaitTimeout = TimeSpan.FromMilliseconds(300);
        });

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.AppendAsync(TestStores.Events("agent-1", 3)));
        clock.Stop();

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Match(
                @"^only 0 of the 1 replicas FEEDBACK_REDIS_WAIT_REPLICAS asks for acknowledged the append to [^ ]+:\d+ within 300 ms$"));
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)), "WAIT waited for its timeout");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "and not for the client's own timeout");
        });
    }
}
