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

        var big = Enumerable.Range(0, 2000).Select(i => AppendEvent.FromJson($"big-{i}", "agent-1", "\"" + new string('x', 4000) + "\"")).ToList();
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
    [Test]
    public async Task RedisAtMaxmemory_FlusherScripts_StillSealClaimAndAckSoAppendsResume()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = connection.GetServers()[0];
        var store = TestStores.Create(o => o.BatchSize = 100_000, connection: connection);
        var big = Enumerable.Range(0, 400).Select(i => AppendEvent.FromJson($"big-{i}", "agent-1", "\"" + new string('x', 4000) + "\"")).ToList();
        await store.AppendAsync(big);
        var used = (long)(await connection.GetDatabase().ExecuteAsync("MEMORY", "STATS")).ToDictionary()["total.allocated"];
        await server.ConfigSetAsync("maxmemory-policy", "noeviction");
        await server.ConfigSetAsync("maxmemory", (used - 4096).ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            // Half of what the ack frees: the held append fits once the batch is written and acked.
            var more = Enumerable.Range(0, 200).Select(i => AppendEvent.FromJson($"more-{i}", "agent-2", "\"" + new string('y', 4000) + "\"")).ToList();
            var refused = await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => store.AppendAsync(more));
            Assert.That(refused!.Message, Does.Contain("OOM"), "the append is refused for memory: the consumer holds and pauses");

            // At the limit, the flusher's path must still run: seal, claim, renew, ack (each a script declared allow-oom).
            Assert.That(await store.SealAsync("agent-1"), Is.Not.Null, "seal at the limit");
            var claimed = await store.ClaimAsync("flusher-1", 10, 1_000);
            Assert.That(claimed, Has.Count.EqualTo(1), "claim at the limit");
            Assert.That(await store.RenewAsync(claimed[0].Lease), Is.Not.Null, "renew at the limit");
            Assert.That(await store.AckAsync(claimed[0]), Is.True, "ack at the limit");

            var resumed = await store.AppendAsync(more);
            Assert.That(resumed.Added, Is.EqualTo(200), "the ack freed the memory the held append needs");
            Assert.That((await server.InfoAsync("stats")).SelectMany(g => g).Single(kv => kv.Key == "evicted_keys").Value, Is.EqualTo("0"));
        }
        finally
        {
            await server.ConfigSetAsync("maxmemory", "0");
        }
    }
}
