using System.Diagnostics;
using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// The whole life cycle on one Redis, as the service runs it: the <see cref="AppendLoad"/> appended while <c>--claimers</c> flusher loops run the due scan, claim and ack (no sink: the ack follows the
/// claim at once). Batch size 50, batch time 500 ms. Ends when every event was acked; checks each was acked once and
/// that nothing, not even a guarded id, is left. Prints <c>cycle_events_per_second=N</c> (appended to acked).
/// </summary>
internal static class FullCycle
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        int claimers = args.Number("claimers", 2, 1, 64);
        using var load = await AppendLoad.CreateAsync(args, TimeSpan.FromMilliseconds(500));
        var store = load.Store;
        int count = load.Events.Length;

        long acked = 0;
        var clock = Stopwatch.StartNew();
        var appenders = load.AppendAllAsync();
        var flushers = Enumerable.Range(0, claimers).Select(i => Task.Run(async () =>
        {
            string owner = $"bench-flusher-{i}";
            while (Interlocked.Read(ref acked) < count)
            {
                await store.SealDueAsync();
                var claimed = await store.ClaimAsync(owner, 100, 5_000);
                if (claimed.Count == 0)
                {
                    await Task.Delay(5);
                    continue;
                }

                var acks = await Task.WhenAll(claimed.Select(b => store.AckAsync(b)));
                if (acks.Any(ok => !ok))
                {
                    throw new InvalidOperationException("an ack lost its lease: leases are 30 s, this should not happen");
                }

                Interlocked.Add(ref acked, claimed.Sum(b => b.Items.Count));
            }
        })).ToList();

        await appenders;
        double appendSeconds = clock.Elapsed.TotalSeconds;
        var drain = Task.WhenAll(flushers);
        if (await Task.WhenAny(drain, Task.Delay(TimeSpan.FromMinutes(2))) != drain)
        {
            Console.Error.WriteLine($"error: {Interlocked.Read(ref acked)} of {count} events acked after 2 minutes");
            return 1;
        }

        await drain;
        clock.Stop();
        var counts = await store.GetCountsAsync();
        if (Interlocked.Read(ref acked) != count || counts.PendingEvents != 0 || counts.GuardedIds != 0)
        {
            Console.Error.WriteLine($"error: acked {acked} of {count}; pending {counts.PendingEvents}, guarded ids {counts.GuardedIds}");
            return 1;
        }

        double rate = count / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cycled {count} events ({load.Agents} agents, mode {load.Mode}, {load.Concurrency} appenders x {load.Chunk}, {claimers} claimers): appended in {appendSeconds:0.00} s, all acked after {clock.Elapsed.TotalSeconds:0.00} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cycle_events_per_second={rate:0}"));
        return 0;
    }
}
