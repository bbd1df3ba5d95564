using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Hosting;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Hosting;

/// <summary>
/// The start-up check against real redis-server processes started with the settings under test; each case asserts the
/// line it logs (or the refusal) by message.
/// </summary>
public sealed class RedisStartupCheckTests
{
    private const int Covered = 13;
    private const int Risk = 14;
    private const int PersistenceUnreadable = 15;
    private const int PolicyUnreadable = 11;

    private static async Task<FakeLogger<RedisStartupCheck>> RunAsync(
        string connection, StartupCheckMode persistence = StartupCheckMode.Refuse, int waitReplicas = 0)
    {
        var logger = new FakeLogger<RedisStartupCheck>();
        var check = new RedisStartupCheck(
            Options.Create(new RedisOptions { ConnectionString = connection, PersistenceCheck = persistence }),
            Options.Create(new BatchingOptions { WaitReplicas = waitReplicas }),
            logger);
        await check.StartAsync(CancellationToken.None);
        return logger;
    }

    private static List<string> Lines(FakeLogger logger, int eventId) =>
        [.. logger.Collector.GetSnapshot().Where(r => r.Id.Id == eventId).Select(r => r.Message)];

    [Test]
    public async Task AofEverysec_Passes_SayingTheRewindCoversTheLastSecond()
    {
        await using var redis = await RedisServer.StartAsync(settings: RedisServer.Recommended);

        var logger = await RunAsync(redis.ConnectionString);

        string node = $"127.0.0.1:{redis.Port}";
        Assert.Multiple(() =>
        {
            Assert.That(Lines(logger, Covered), Is.EquivalentTo(new[]
            {
                $"Redis {node} appendonly yes: a restart replays the AOF, so batches and their recorded Kafka offsets come back.",
                $"Redis {node} appendfsync everysec: a crash of the Redis host can lose the last second of appends; the consumer "
                    + "rewinds to the offsets the AOF kept and re-reads that second from Kafka (covered while Kafka retains it).",
                $"Redis {node} has no replicas (FEEDBACK_REDIS_WAIT_REPLICAS=0): nothing to fail over to; a restart keeps what "
                    + "its own persistence keeps.",
            }));
            Assert.That(logger.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Warning), Is.Empty);
        });
    }

    [Test]
    public async Task AofAlways_Passes_SayingNothingAcknowledgedIsLost()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true);

        var logger = await RunAsync(redis.ConnectionString);

        Assert.That(Lines(logger, Covered), Has.Some.Contains("appendfsync always: every append is on disk before Redis answers"));
        Assert.That(Lines(logger, Risk), Is.Empty);
    }

    [Test]
    public async Task NoAofAndNoSave_Refuses_NamingBothSettings()
    {
        await using var redis = await RedisServer.StartAsync(settings: "--save \"\" --appendonly no");

        var ex = await Assert.ThrowsAsync<UnsafeRedisException>(() => RunAsync(redis.ConnectionString));

        Assert.That(ex!.Message, Does.StartWith($"Redis 127.0.0.1:{redis.Port} persists nothing (appendonly no, save ''): ")
            .And.Contain("falls back to Kafka's committed offsets")
            .And.EndWith("Set 'appendonly yes' with 'appendfsync everysec' (or FEEDBACK_REDIS_PERSISTENCE_CHECK=warn to start anyway)."));
    }

    [Test]
    public async Task NoAofAndNoSave_WithTheCheckSetToWarn_StartsAndWarns()
    {
        await using var redis = await RedisServer.StartAsync(settings: "--save \"\" --appendonly no");

        var logger = await RunAsync(redis.ConnectionString, StartupCheckMode.Warn);

        Assert.That(Lines(logger, Risk), Has.Exactly(1).StartsWith($"Redis 127.0.0.1:{redis.Port} persists nothing (appendonly no, save '')"));
        Assert.That(logger.Collector.GetSnapshot().Single(r => r.Id.Id == Risk).Level, Is.EqualTo(LogLevel.Warning));
    }

    [Test]
    public async Task RdbSnapshotsOnly_Warn_ThatARestartReReadsEverythingSinceTheSnapshot()
    {
        await using var redis = await RedisServer.StartAsync(settings: "--save \"3600 1 300 100\" --appendonly no");

        var logger = await RunAsync(redis.ConnectionString);

        Assert.That(Lines(logger, Risk), Has.Exactly(1).StartsWith(
            $"Redis 127.0.0.1:{redis.Port} appendonly no, only RDB snapshots (save '3600 1 300 100'): a restart goes back to the last snapshot"));
    }

    [Test]
    public async Task AppendfsyncNo_Warns()
    {
        await using var redis = await RedisServer.StartAsync(settings: "--save \"\" --appendonly yes --appendfsync no");

        var logger = await RunAsync(redis.ConnectionString);

        Assert.That(Lines(logger, Risk), Has.Exactly(1).StartsWith($"Redis 127.0.0.1:{redis.Port} appendfsync no: the OS decides when the AOF reaches disk")
            .And.EndsWith("Set 'appendfsync everysec'."));
    }

    [Test]
    public async Task PrimaryWithAReplicaAndNoWait_SaysAFailoverIsCoveredUnlessTheReplicaWasEmpty_ChecksOnlyThePrimary()
    {
        await using var primary = await RedisServer.StartAsync(settings: RedisServer.Recommended);
        await using var replica = await primary.StartReplicaAsync();

        // both nodes listed, as a connection string for a primary and its replica would
        var logger = await RunAsync($"127.0.0.1:{primary.Port},127.0.0.1:{replica.Port},connectTimeout=2000");

        var lines = logger.Collector.GetSnapshot().Where(r => r.Id.Id is Covered or Risk).Select(r => r.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Exactly(1).StartsWith(
                $"Redis 127.0.0.1:{primary.Port} has 1 replica(s) and FEEDBACK_REDIS_WAIT_REPLICAS=0: a failover can lose the last writes")
                .And.Contains("(covered unless it was empty)"));
            Assert.That(lines, Has.None.Contains($":{replica.Port}"), "a replica is not a primary: its settings are not checked");
        });
    }

    [Test]
    public async Task WaitForMoreReplicasThanConnected_WarnsThatAppendsFail()
    {
        await using var primary = await RedisServer.StartAsync(settings: RedisServer.Recommended);
        await using var replica = await primary.StartReplicaAsync();

        var waitingForTwo = await RunAsync(primary.ConnectionString, waitReplicas: 2);
        var waitingForOne = await RunAsync(primary.ConnectionString, waitReplicas: 1);

        Assert.Multiple(() =>
        {
            Assert.That(Lines(waitingForTwo, Risk), Has.Exactly(1).EqualTo(
                $"Redis 127.0.0.1:{primary.Port} has 1 connected replica(s) but FEEDBACK_REDIS_WAIT_REPLICAS=2: every append "
                + "fails (retried, offsets held) until 2 replica(s) acknowledge it."));
            Assert.That(Lines(waitingForOne, Risk), Is.Empty);
            Assert.That(Lines(waitingForOne, Covered), Has.Exactly(1).StartsWith(
                $"Redis 127.0.0.1:{primary.Port} has 1 replica(s) and each append waits for 1 (FEEDBACK_REDIS_WAIT_REPLICAS)"));
        });
    }

    [Test]
    public async Task RedisHidingConfig_IsAWarning_NotARefusal()
    {
        await using var redis = await RedisServer.StartAsync(settings: "--save \"\" --appendonly no --rename-command CONFIG \"\"");

        var logger = await RunAsync(redis.ConnectionString);

        Assert.Multiple(() =>
        {
            Assert.That(Lines(logger, PersistenceUnreadable), Has.Exactly(1).StartsWith("Could not read Redis persistence settings ("));
            Assert.That(Lines(logger, PolicyUnreadable), Has.Exactly(1).StartsWith("Could not read Redis maxmemory-policy ("));
            Assert.That(Lines(logger, Risk), Is.Empty);
        });
    }

    [Test]
    public async Task UnreachableRedis_IsAWarning_NotARefusal()
    {
        var logger = await RunAsync("127.0.0.1:1,connectTimeout=500,asyncTimeout=500,syncTimeout=500");

        Assert.That(Lines(logger, PersistenceUnreadable), Has.Exactly(1).Contains("Redis 127.0.0.1:1 unreachable at start-up"));
    }

    [Test]
    public async Task Cluster_EveryPrimary_IsChecked()
    {
        await using var cluster = await RedisCluster.StartAsync();

        var ex = await Assert.ThrowsAsync<UnsafeRedisException>(() => RunAsync(cluster.ConnectionString));

        Assert.That(cluster.Ports, Has.Count.EqualTo(3));
        foreach (int port in cluster.Ports)
        {
            Assert.That(ex!.Message, Does.Contain($"Redis 127.0.0.1:{port} persists nothing (appendonly no, save '')"));
        }
    }
}
