using FeedbackRedis.Batching;
using FeedbackRedis.Flushing;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Flushing;

/// <summary>A flusher on a real Redis (own key prefix), a fake clock, a <see cref="FakeSink"/> and a recording publisher.</summary>
internal sealed class FlusherFixture
{
    public FlusherFixture(Action<BatchingOptions>? batching = null, Action<FlusherOptions>? flushing = null, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(TestStores.Start);
        Store = TestStores.Create(batching, Time);
        Options = new FlusherOptions { PollInterval = TimeSpan.FromSeconds(1), MaxWriteEvents = 1_000, DrainTimeout = TimeSpan.FromSeconds(5) };
        flushing?.Invoke(Options);
        Flusher = NewFlusher("flusher-a", Sink);
    }

    public FakeTimeProvider Time { get; }

    public RedisBatchStore Store { get; }

    public FlusherOptions Options { get; }

    public FakeSink Sink { get; } = new();

    public RecordingPublisher Publisher { get; } = new();

    public BatchFlusher Flusher { get; }

    /// <summary>Another flusher on the same keys and clock (another pod).</summary>
    public BatchFlusher NewFlusher(string owner, FakeSink sink, RecordingPublisher? publisher = null) =>
        new(
            TestStores.Create(o => Copy(Store.Options, o), Time, prefix: Store.Options.KeyPrefix),
            sink,
            publisher ?? Publisher,
            Microsoft.Extensions.Options.Options.Create(Options),
            new FlusherIdentity(owner),
            Time,
            NullLogger<BatchFlusher>.Instance,
            TestMetrics.Flusher());

    /// <summary>Runs rounds, advancing the clock by <paramref name="step"/> after each, until <paramref name="done"/> or the round limit.</summary>
    public async Task<FlushRound> RunUntilAsync(Func<Task<bool>> done, TimeSpan step, int maxRounds = 200)
    {
        var total = FlushRound.Empty;
        for (int i = 0; i < maxRounds; i++)
        {
            total = total.Plus(await Flusher.RunOnceAsync(CancellationToken.None));
            if (await done())
            {
                return total;
            }

            Time.Advance(step);
        }

        Assert.Fail($"not done after {maxRounds} rounds; so far {total}");
        return total;
    }

    /// <summary>True when no batch is ready or in flight (dead ones excluded).</summary>
    public async Task<bool> DrainedAsync()
    {
        var counts = await Store.GetCountsAsync();
        return counts.ReadyBatches == 0 && counts.InFlightBatches == 0 && counts.OpenBatches == 0;
    }

    private static void Copy(BatchingOptions from, BatchingOptions to)
    {
        to.BatchSize = from.BatchSize;
        to.BatchTime = from.BatchTime;
        to.LeaseDuration = from.LeaseDuration;
        to.MaxAttempts = from.MaxAttempts;
        to.Mode = from.Mode;
    }
}
