using System.Collections.Concurrent;
using System.Diagnostics;
using FeedbackRedis.Batching;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

public sealed class RedisBatchStoreConcurrencyTests
{
    private const int Appenders = 8;
    private const int Claimers = 3;
    private const int EventCount = 200_000;
    private const int AgentCount = 1_000;

    [TestCase(BatchingMode.Agent)]
    [TestCase(BatchingMode.Hybrid)]
    public async Task ManyAppendersAndClaimers_EveryEventIsAckedExactlyOnce_AndNothingIsLeft(BatchingMode mode)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("FEEDBACK_TEST_SEED"), out var s) ? s : Random.Shared.Next();
        await TestContext.Out.WriteLineAsync($"seed {seed} (rerun with FEEDBACK_TEST_SEED={seed})");
        var random = new Random(seed);
        string prefix = TestKeys.Prefix();
        var time = new FakeTimeProvider(TestStores.Start);
        void Configure(BatchingOptions o)
        {
            o.Mode = mode;
            o.BatchSize = 50;
            o.GlobalTrigger = 5_000;
            o.MaxOpenBatches = 800;
            o.BatchTime = TimeSpan.FromMinutes(5);
            o.LeaseDuration = TimeSpan.FromHours(1); // the test advances the clock 5 minutes; no lease may expire
        }

        var connections = new List<ConnectionMultiplexer>();
        for (int i = 0; i < Appenders + Claimers; i++)
        {
            connections.Add(await ConnectionMultiplexer.ConnectAsync(SharedRedis.Server.ConnectionString));
        }

        try
        {
            // Skewed agents: a few hot ones, a long tail.
            var agents = Enumerable.Range(0, EventCount)
                .Select(_ => random.NextDouble() < 0.3 ? random.Next(10) : random.Next(AgentCount))
                .ToArray();
            var slices = Enumerable.Range(0, Appenders).Select(a => new Random(random.Next())).ToArray();
            var acked = new ConcurrentDictionary<string, int>();
            int oversized = 0;
            int appendersLeft = Appenders;

            var appenders = Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
            {
                var store = TestStores.Create(Configure, time, connections[a], prefix);
                var rng = slices[a];
                int from = a * (EventCount / Appenders), to = from + (EventCount / Appenders);
                while (from < to)
                {
                    int n = Math.Min(to - from, rng.Next(1, 600));
                    var chunk = Enumerable.Range(from, n).Select(i => TestStores.Event($"agent-{agents[i]}", $"e{i}")).ToList();
                    await store.AppendAsync(chunk);
                    from += n;
                }

                Interlocked.Decrement(ref appendersLeft);
            })).ToList();

            var drained = new TaskCompletionSource();
            var claimers = Enumerable.Range(0, Claimers).Select(c => Task.Run(async () =>
            {
                var store = TestStores.Create(Configure, time, connections[Appenders + c], prefix);
                var rng = new Random(seed + c);
                var clock = Stopwatch.StartNew();
                while (!drained.Task.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(2))
                {
                    var batches = await store.ClaimAsync($"claimer-{c}", 20, 2_000);
                    if (batches.Count == 0)
                    {
                        if (Volatile.Read(ref appendersLeft) == 0)
                        {
                            await store.SealDueAsync(10_000);
                        }

                        await Task.Delay(5);
                        continue;
                    }

                    foreach (var batch in batches)
                    {
                        if (rng.NextDouble() < 0.05)
                        {
                            await store.ReleaseAsync(batch.Lease, ReleaseMode.Return, "test: give it back");
                            continue;
                        }

                        if (batch.Items.Count > 50)
                        {
                            Interlocked.Increment(ref oversized);
                        }

                        Assert.That(await store.AckAsync(batch), Is.True, "the only lease holder acks");
                        foreach (var item in batch.Items)
                        {
                            acked.AddOrUpdate(TestStores.EventIdOf(item), 1, (_, v) => v + 1);
                        }
                    }

                    if (acked.Count == EventCount)
                    {
                        drained.TrySetResult();
                    }
                }
            })).ToList();

            await Task.WhenAll(appenders);
            time.Advance(TimeSpan.FromMinutes(5)); // everything still open is now due
            await Task.WhenAll(claimers);

            var twice = acked.Where(kv => kv.Value != 1).Select(kv => kv.Key).Take(5).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(acked, Has.Count.EqualTo(EventCount), "every event acked");
                Assert.That(twice, Is.Empty, "no event acked twice");
                Assert.That(oversized, Is.Zero, "no batch over the batch size");
            });
            var verify = TestStores.Create(Configure, time, connections[0], prefix);
            Assert.That(await TestStores.DataKeysAsync(verify), Is.Empty, "nothing left in Redis");
        }
        finally
        {
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }
        }
    }
}
