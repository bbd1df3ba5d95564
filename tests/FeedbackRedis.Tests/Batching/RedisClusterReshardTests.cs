using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// An online reshard of a real 3-master cluster under load: slots holding shards' keys migrate key by key, back and
/// forth, while appends (with redeliveries), due scans, claims and acks run through <see cref="RedisBatchStore"/>. Every
/// script declares its keys plus the never-existing slot probe and runs with NoRedirect, so a call meeting a half-moved
/// slot must be refused whole (as <see cref="BatchStoreUnavailableException"/>) and retried, never run part-way.
/// </summary>
[Category("Process")]
public sealed class RedisClusterReshardTests
{
    private const int Shards = 12;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task OnlineReshard_WhileAppendsSealsClaimsAndAcksRun_LosesNothingOrphansNoGuard_AndCountersEqualARecount(BatchingMode mode)
    {
        int seed = Environment.GetEnvironmentVariable("FEEDBACK_RESHARD_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Out.WriteLine($"reshard ({mode}): seed {seed} (replay its choices with FEEDBACK_RESHARD_SEED={seed})");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        await using var cluster = await RedisCluster.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var store = TestStores.Create(
            o =>
            {
                o.RedisShards = Shards;
                o.Mode = mode;
                o.GlobalTrigger = 40; // hybrid: each shard's open events combine into lane batches at 40
                o.BatchSize = 8;
                o.BatchTime = TimeSpan.FromMilliseconds(300);
                o.Clock = ClockSource.Redis;
                o.MaxOpenBatches = 10_000;
                o.LeaseDuration = TimeSpan.FromSeconds(2);
                o.MaxAttempts = 100;
            },
            connection: connection);
        await ParkOneDeadBatchPerShardAsync(store);
        var run = new Run(store, clock);
        using var stop = new CancellationTokenSource();
        var workers = new List<Task>
        {
            run.AppendLoopAsync(0, new Random(random.Next()), stop.Token),
            run.AppendLoopAsync(1, new Random(random.Next()), stop.Token),
            run.FlushLoopAsync("flusher-0", stop.Token),
            run.FlushLoopAsync("flusher-1", stop.Token),
        };

        // Six shards' slots, each moved away, back, away again and back, one migration at a time, while the workers run.
        var migrations = new List<string>();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var moving = Enumerable.Range(0, Shards).OrderBy(_ => random.Next()).Take(6).ToList();
            var slots = new Dictionary<int, (int Slot, int Home)>();
            foreach (int shard in moving)
            {
                int slot = await cluster.KeySlotAsync((string)store.Keys.Ready(shard)!);
                slots[shard] = (slot, await cluster.OwnerOfAsync(slot));
            }

            for (int round = 0; round < 4; round++)
            {
                foreach (int shard in moving)
                {
                    var (slot, home) = slots[shard];
                    var away = cluster.Ports.Where(p => p != home).ToList();
                    int target = round % 2 == 0 ? away[random.Next(away.Count)] : home;
                    int from = await cluster.OwnerOfAsync(slot);
                    int keys = await cluster.MigrateSlotAsync(slot, target, TimeSpan.FromMilliseconds(3));
                    migrations.Add($"shard {shard} slot {slot}: {from} -> {target}, {keys} keys");
                    Assert.That(keys, Is.GreaterThan(0), $"shard {shard}'s slot {slot} held keys to move");
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        await Eventually.WaitAsync(cluster.IsSettledAsync, TimeSpan.FromSeconds(10), "no slot is left half moved");
        var recount = await run.RetryAsync("recount", () => store.RecountAsync(apply: false));
        var offsets = await run.RetryAsync("offsets", () => store.ReadOffsetsAsync([Run.Partition(0), Run.Partition(1)]));
        var present = await ItemIdsAsync(connection, store);
        var lost = run.Sent.Keys.Where(id => !run.Acked.ContainsKey(id) && !present.ContainsKey(id)).ToList();
        var twice = present.Where(p => p.Value > 1).Select(p => p.Key).ToList();

        TestContext.Out.WriteLine($"reshard: {migrations.Count} migrations in {clock.Elapsed.TotalSeconds:0.0} s; {string.Join("; ", migrations)}");
        TestContext.Out.WriteLine(
            $"reshard: {run.Sent.Count:N0} ids appended ({run.Redelivered:N0} redeliveries sent), {run.Acked.Count:N0} acked, "
            + $"{present.Count:N0} still in batches; {run.Appends:N0} appends, {run.Batches:N0} batches acked, {run.Retried:N0} of them on a later attempt");
        TestContext.Out.WriteLine($"reshard: refusals retried: {run.DescribeRefusals()}");
        Assert.Multiple(() =>
        {
            Assert.That(run.Refusals("non local key"), Is.Zero, "no script started on a half-moved slot and stopped part-way");
            Assert.That(run.TotalRefusals, Is.GreaterThan(0), "the workload met the moving slots (else the test shows nothing)");
            Assert.That(run.Acked, Is.Not.Empty, "batches were flushed during the reshard");
            Assert.That(lost, Is.Empty, $"every appended id is acked or still in a batch ({lost.Count} are neither)");
            Assert.That(twice, Is.Empty, "no id is in two batches");
            Assert.That(recount, Has.Count.EqualTo(Shards));
            foreach (var shard in recount)
            {
                Assert.That(
                    shard.HasDrift || shard.UnreadableItems > 0 || shard.RepeatedIds > 0 || shard.EmptyOpen > 0,
                    Is.False,
                    $"shard {shard.Shard}: counters and guard equal a recount: {JsonSerializer.Serialize(shard)}");
            }

            Assert.That(recount.Sum(r => r.Guard.Recorded), Is.EqualTo(present.Count), "guard = the ids of the items held");
            Assert.That(
                new[] { offsets[Run.Partition(0)], offsets[Run.Partition(1)] },
                Is.EqualTo(run.Recorded.Select(o => (long?)o)),
                "every shard recorded each appender's last offset (the lowest over the shards is the last append)");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "bounded");
        });
    }

    /// <summary>
    /// A dead batch in every shard, so that each shard's dead set exists too: then, of the keys a script declares, only
    /// the slot probe is certain to be missing on a migrating source (the offsets hash exists once an append recorded
    /// offsets), and the test would catch a script that ran on a half-moved slot without it.
    /// </summary>
    private static async Task ParkOneDeadBatchPerShardAsync(RedisBatchStore store)
    {
        var members = new Dictionary<int, string>();
        for (int i = 0; members.Count < Shards; i++)
        {
            members.TryAdd(store.Keys.ShardOf($"parked-{i}"), $"parked-{i}");
        }

        await store.AppendAsync([.. members.Values.Select(m => TestStores.Event(m, $"{m}-e0"))]);
        foreach (string member in members.Values)
        {
            await store.SealAsync(member);
        }

        var claimed = await store.ClaimAsync("setup", Shards, 100);
        Assert.That(claimed, Has.Count.EqualTo(Shards));
        foreach (var batch in claimed)
        {
            Assert.That(await store.ReleaseAsync(batch.Lease, ReleaseMode.Dead, "parked by the test"), Is.EqualTo(ReleaseOutcome.Dead));
        }
    }

    /// <summary>Every item's event id, and how many items carry it, read from each master (the lists are the only LISTs).</summary>
    private static async Task<Dictionary<string, int>> ItemIdsAsync(ConnectionMultiplexer connection, RedisBatchStore store)
    {
        var db = connection.GetDatabase();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            var keys = new HashSet<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: store.Keys.AllKeysPattern, pageSize: 1000))
            {
                keys.Add(key);
            }

            foreach (var key in keys)
            {
                if (await db.KeyTypeAsync(key) != RedisType.List)
                {
                    continue;
                }

                foreach (var item in await db.ListRangeAsync(key))
                {
                    string id = TestStores.EventIdOf(item!);
                    ids[id] = ids.GetValueOrDefault(id) + 1;
                }
            }
        }

        return ids;
    }

    /// <summary>The workers and what they saw: ids appended and acked, refusals by kind.</summary>
    private sealed class Run(RedisBatchStore store, Stopwatch clock)
    {
        private readonly ConcurrentDictionary<string, int> _refusals = new(StringComparer.Ordinal);
        private int _appends;
        private int _batches;
        private int _redelivered;
        private int _retried;

        public ConcurrentDictionary<string, byte> Sent { get; } = new(StringComparer.Ordinal);

        /// <summary>Per appender, the offset its last append recorded (-1: none yet).</summary>
        public long[] Recorded { get; } = [-1, -1];

        public static KafkaPartition Partition(int appender) => new("feedback.reshard", appender);

        public ConcurrentDictionary<string, byte> Acked { get; } = new(StringComparer.Ordinal);

        public int Appends => _appends;

        public int Batches => _batches;

        public int Redelivered => _redelivered;

        /// <summary>Batches acked on a later claim than their first (a lease that expired while its ack or claim was refused).</summary>
        public int Retried => _retried;

        public int TotalRefusals => _refusals.Values.Sum();

        public int Refusals(string kind) => _refusals.Where(r => r.Key.Contains(kind, StringComparison.Ordinal)).Sum(r => r.Value);

        public string DescribeRefusals() =>
            string.Join(", ", _refusals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {r.Value}"));

        /// <summary>Appends micro-batches of 30 events over 100 agents, a quarter of them redeliveries, each retried until Redis takes it.</summary>
        public async Task AppendLoopAsync(int appender, Random random, CancellationToken stop)
        {
            var mine = new List<AppendEvent>();
            while (!stop.IsCancellationRequested)
            {
                var events = new List<AppendEvent>(30);
                for (int i = 0; i < 30; i++)
                {
                    if (mine.Count > 0 && random.Next(4) == 0)
                    {
                        events.Add(mine[random.Next(mine.Count)]);
                        Interlocked.Increment(ref _redelivered);
                        continue;
                    }

                    var e = TestStores.Event($"agent-{random.Next(100)}", $"a{appender}-{mine.Count}");
                    mine.Add(e);
                    events.Add(e);
                }

                // Each append records its appender's Kafka partition, as the consumer does, so every shard's offsets hash
                // exists and the slot probe is the only key a migrating source always misses.
                long taken = Recorded[appender] + 1;
                PartitionPosition[] positions = [new(Partition(appender), Recorded[appender], taken)];
                var result = await RetryAsync("append", () => store.AppendAsync(events, positions));
                Assert.That(result.Refused, Is.False, "no shard lost an offset");
                Recorded[appender] = taken;
                Interlocked.Increment(ref _appends);
                foreach (var e in events)
                {
                    Sent[e.EventId] = 0;
                }
            }
        }

        /// <summary>Seals what is due, claims, acks; a refused step is tried again on the next turn.</summary>
        public async Task FlushLoopAsync(string owner, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await store.SealDueAsync(cancellationToken: CancellationToken.None);
                }
                catch (BatchStoreUnavailableException ex)
                {
                    Count("seal-due", ex);
                }

                IReadOnlyList<ClaimedBatch> claimed;
                try
                {
                    claimed = await store.ClaimAsync(owner, 20, 400, CancellationToken.None);
                }
                catch (BatchStoreUnavailableException ex)
                {
                    Count("claim", ex);
                    await Task.Delay(2, CancellationToken.None);
                    continue;
                }

                foreach (var batch in claimed)
                {
                    await AckAsync(batch);
                }

                if (claimed.Count == 0)
                {
                    await Task.Delay(20, CancellationToken.None);
                }
            }
        }

        /// <summary>
        /// Acks until Redis answers. False after a refused try means the lease was lost (expired while the slot moved): the
        /// batch is acked by whoever claims it next; if it is gone already, an earlier try of this ack went through.
        /// </summary>
        private async Task AckAsync(ClaimedBatch batch)
        {
            bool refusedBefore = false;
            while (true)
            {
                try
                {
                    if (await store.AckAsync(batch)
                        || (refusedBefore && await RetryAsync("inspect", () => store.GetBatchAsync(batch.BatchId)) is null))
                    {
                        foreach (string id in batch.EventIds)
                        {
                            Acked[id] = 0;
                        }

                        Interlocked.Increment(ref _batches);
                        if (batch.Attempt > 1)
                        {
                            Interlocked.Increment(ref _retried);
                        }
                    }

                    return;
                }
                catch (BatchStoreUnavailableException ex) when (clock.Elapsed < Budget)
                {
                    Count("ack", ex);
                    refusedBefore = true;
                    await Task.Delay(2);
                }
            }
        }

        /// <summary>Retries <paramref name="call"/> while Redis refuses it, as the consumer and flusher do, within the test's budget.</summary>
        public async Task<T> RetryAsync<T>(string operation, Func<Task<T>> call)
        {
            while (true)
            {
                try
                {
                    return await call();
                }
                catch (BatchStoreUnavailableException ex) when (clock.Elapsed < Budget)
                {
                    Count(operation, ex);
                    await Task.Delay(2);
                }
            }
        }

        private void Count(string operation, BatchStoreUnavailableException ex) =>
            _refusals.AddOrUpdate($"{operation} {Kind(ex)}", 1, (_, n) => n + 1);

        /// <summary>What Redis (or the client, for an ASK it may not follow) said.</summary>
        private static string Kind(BatchStoreUnavailableException ex) => ex.InnerException switch
        {
            RedisServerException s when s.Message.Contains("non local key", StringComparison.Ordinal) => "non local key",
            RedisServerException s when s.Message.StartsWith("Key has MOVED", StringComparison.Ordinal) => "MOVED (not followed)",
            RedisServerException s => s.Message.Split(' ')[0],
            RedisConnectionException { FailureType: ConnectionFailureType.UnableToConnect } c when c.Message.Contains("not reachable", StringComparison.Ordinal) =>
                "ASK (not followed; the client reports it as UnableToConnect)",
            RedisConnectionException c => $"connection {c.FailureType}",
            { } other => other.GetType().Name,
            null => "?",
        };
    }
}
