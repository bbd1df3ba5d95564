using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>
/// The batch engine: owns every Redis call and (through <see cref="KeySchema"/>) every key name. Each state
/// transition is one Lua script, so it is atomic; nothing is deleted before the sink has it (see
/// docs/ARCHITECTURE.md for the life cycle and the script contracts). Thread-safe; one per process.
/// </summary>
public sealed partial class RedisBatchStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly BatchingOptions _options;
    private readonly TimeProvider _time;
    private readonly StoreMetrics _metrics;

    public RedisBatchStore(IConnectionMultiplexer redis, IOptions<BatchingOptions> options, TimeProvider time, StoreMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _redis = redis;
        _db = redis.GetDatabase();
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        Keys = new KeySchema(_options.KeyPrefix, _options.RedisShards);
    }

    /// <summary>The key names this store uses.</summary>
    public KeySchema Keys { get; }

    /// <summary>The settings this store runs with.</summary>
    public BatchingOptions Options => _options;

    private long BatchTimeMs => (long)_options.BatchTime.TotalMilliseconds;

    private long LeaseMs => (long)_options.LeaseDuration.TotalMilliseconds;

    /// <summary>The clock argument of every script: '' tells the script to read Redis TIME.</summary>
    private RedisValue NowArg() =>
        _options.Clock == ClockSource.Redis ? RedisValue.EmptyString : _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Now, by the configured clock (Redis TIME or the injected TimeProvider).</summary>
    public async Task<DateTimeOffset> GetNowAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.Clock == ClockSource.Local)
        {
            return _time.GetUtcNow();
        }

        var time = (RedisResult[])(await RunAsync("time", () => _db.ExecuteAsync("TIME")))!;
        long seconds = (long)time[0];
        long micros = (long)time[1];
        return DateTimeOffset.FromUnixTimeMilliseconds((seconds * 1000) + (micros / 1000));
    }

    /// <summary>
    /// Runs one script call. Redirections are never followed (<see cref="CommandFlags.NoRedirect"/>): a MOVED updates the
    /// client's slot map and fails this try, an ASK (slot migrating) fails it, so the caller retries once the slot has
    /// settled, and no script ever runs on a node that is still importing its keys.
    /// </summary>
    private Task<RedisResult> EvalAsync(ScriptCall call) =>
        RunAsync(call.Script.Name, () => _db.ScriptEvaluateAsync(call.Script.Source, call.Keys, call.Args, CommandFlags.NoRedirect));

    /// <summary>
    /// Runs one Redis operation, timing it, and turning "Redis cannot serve this now" into
    /// <see cref="BatchStoreUnavailableException"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, Func<Task<T>> call)
    {
        long start = Stopwatch.GetTimestamp();
        bool ok = false;
        try
        {
            var result = await call();
            ok = true;
            return result;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new BatchStoreUnavailableException($"Redis could not serve the batch store: {Describe(ex)}", ex);
        }
        finally
        {
            _metrics.RecordRedis(operation, Stopwatch.GetElapsedTime(start), ok);
        }
    }

    /// <summary>One line for people; the client's full diagnostics stay on the inner exception for logs.</summary>
    private static string Describe(Exception ex) => ex switch
    {
        RedisConnectionException c when c.Message.Contains("no connection", StringComparison.OrdinalIgnoreCase) =>
            $"no connection to Redis ({c.FailureType})",
        RedisConnectionException c when c.Message.Contains("serving hashslot", StringComparison.Ordinal) =>
            "the slot is migrating (ASK, not followed); retried once it has moved",
        RedisConnectionException c => $"connection failed ({c.FailureType})",
        RedisTimeoutException => "Redis did not answer in time",
        _ => ex.Message,
    };

    private static bool IsUnavailable(Exception ex) => ex switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => UnavailablePrefixes.Any(p => server.Message.StartsWith(p, StringComparison.Ordinal))
            || server.Message.Contains("non local key", StringComparison.Ordinal),
        _ => false,
    };

    private static readonly string[] UnavailablePrefixes =
        [
            "OOM", "LOADING", "READONLY", "MISCONF", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK",
            "Key has MOVED", "NOREPLICAS",
        ];
}
