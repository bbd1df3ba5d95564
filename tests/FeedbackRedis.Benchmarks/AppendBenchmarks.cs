using BenchmarkDotNet.Attributes;
using FeedbackRedis.Batching;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// One append call of a consumer-sized micro-batch against a real Redis (FEEDBACK_BENCH_REDIS, default
/// 127.0.0.1:6379). Divide the mean by <see cref="Events"/> for the cost per event of one caller.
/// </summary>
[MemoryDiagnoser]
public class AppendBenchmarks
{
    private IConnectionMultiplexer? _redis;
    private RedisBatchStore? _store;
    private AppendEvent[] _events = [];
    private int _round;

    [Params(1, 100, 500)]
    public int Events { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = BenchEvents.Connect(Environment.GetEnvironmentVariable("FEEDBACK_BENCH_REDIS") ?? "127.0.0.1:6379");
        await _redis.GetServers()[0].FlushDatabaseAsync();
        _store = BenchEvents.Store(_redis, new BatchingOptions
        {
            KeyPrefix = "bdn",
            Mode = BatchingMode.Agent,
            MaxOpenBatches = 10_000_000,
            BatchTime = TimeSpan.FromHours(1),
        });
        _events = BenchEvents.Make(2_000_000, 10_000, 200);
    }

    [Benchmark]
    public Task<AppendResult> Append()
    {
        int from = (_round++ * Events) % (_events.Length - Events);
        return _store!.AppendAsync(new ArraySegment<AppendEvent>(_events, from, Events));
    }

    [GlobalCleanup]
    public void Cleanup() => _redis?.Dispose();
}
