using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

public sealed class RedisBatchStoreFailureTests
{
    [Test]
    public async Task RedisUnreachable_EveryOperationThrowsBatchStoreUnavailable()
    {
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200,asyncTimeout=300,syncTimeout=300");
        var store = TestStores.Create(connection: nowhere);

        var append = await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.AppendAsync(TestStores.Events("agent-1", 1)));
        Assert.That(append!.Message, Does.Contain("Redis could not serve"));
        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.ClaimAsync("f", 1, 1));
        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.AckAsync(TestFeedback.Claimed("agent-1:1", [TestFeedback.Item("agent-1", "e1")])));
        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.SealDueAsync());
        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.GetCountsAsync());
    }

    [Test]
    public async Task RedisRestartedWithAof_BetweenAppendAndClaim_BatchesAreStillThereAndFlush()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        string prefix = TestKeys.Prefix();
        var events = Enumerable.Range(0, 30).SelectMany(a => TestStores.Events($"agent-{a}", 7)).ToList();
        await using (var before = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var store = TestStores.Create(o => o.BatchSize = 5, connection: before, prefix: prefix);
            Assert.That((await store.AppendAsync(events)).Sealed, Is.EqualTo(30));
        }

        await redis.KillAsync();
        await redis.RestartAsync();

        await using var after = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var restarted = TestStores.Create(o => o.BatchSize = 5, connection: after, prefix: prefix);
        var counts = await restarted.GetCountsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts.ReadyBatches, Is.EqualTo(30));
            Assert.That(counts.OpenBatches, Is.EqualTo(30));
            Assert.That(counts.PendingEvents, Is.EqualTo(210));
        });
        foreach (var agent in Enumerable.Range(0, 30))
        {
            await restarted.SealAsync($"agent-{agent}");
        }

        var claimed = await restarted.ClaimAsync("f", 1000, 100_000);
        Assert.That(claimed.SelectMany(b => b.Items).Select(TestStores.EventIdOf), Is.EquivalentTo(events.Select(e => e.EventId)));
        foreach (var batch in claimed)
        {
            Assert.That(await restarted.AckAsync(batch), Is.True);
        }

        Assert.That(await TestStores.DataKeysAsync(restarted, after), Is.Empty);
    }

    [Test]
    public async Task ScriptFlush_TheStoreReloadsItsScripts()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var store = TestStores.Create(o => o.BatchSize = 2, connection: connection);
        await store.AppendAsync(TestStores.Events("agent-1", 2));

        await connection.GetServers()[0].ScriptFlushAsync();
        var afterFlush = await store.AppendAsync(TestStores.Events("agent-2", 2));
        await connection.GetServers()[0].ScriptFlushAsync();
        var claimed = await store.ClaimAsync("f", 10, 100);
        await connection.GetServers()[0].ScriptFlushAsync();

        Assert.That(afterFlush.Sealed, Is.EqualTo(1));
        Assert.That(claimed, Has.Count.EqualTo(2));
        Assert.That(await store.AckAsync(claimed[0]), Is.True);
    }

    [Test]
    public async Task RedisOutOfMemory_AppendThrowsBatchStoreUnavailable_AndNothingIsHalfWritten()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = connection.GetServers()[0];
        var store = TestStores.Create(o => o.BatchSize = 1000, connection: connection);
        await store.AppendAsync(TestStores.Events("agent-1", 10));
        var used = (long)(await connection.GetDatabase().ExecuteAsync("MEMORY", "STATS")).ToDictionary()["total.allocated"];
        await server.ConfigSetAsync("maxmemory", used.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await server.ConfigSetAsync("maxmemory-policy", "noeviction");

        var big = Enumerable.Range(0, 2000).Select(i => new AppendEvent($"big-{i}", "agent-1", "\"" + new string('x', 4000) + "\"")).ToList();
        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.AppendAsync(big));

        await server.ConfigSetAsync("maxmemory", "0");
        var open = await store.GetBatchAsync("agent-1");
        var counts = await store.GetCountsAsync();
        Assert.That(open!.Value.Items.Count, Is.EqualTo(counts.OpenEvents), "counters agree with the lists");
        Assert.That(
            open.Value.Items.Take(10).Select(TestStores.EventIdOf),
            Is.EqualTo(Enumerable.Range(0, 10).Select(i => $"agent-1-e{i}")),
            "what was accepted before is untouched");
    }
}
