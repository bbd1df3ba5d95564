using System.Text.Json;
using FeedbackRedis.Batching;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Builds batch stores under a fresh key prefix, on a fake clock unless a test asks for Redis TIME.</summary>
public static class TestStores
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static RedisBatchStore Create(
        Action<BatchingOptions>? configure = null,
        TimeProvider? time = null,
        IConnectionMultiplexer? connection = null,
        string? prefix = null)
    {
        var options = new BatchingOptions
        {
            KeyPrefix = prefix ?? TestKeys.Prefix(),
            Clock = ClockSource.Local,
            Mode = BatchingMode.Agent,
            BatchSize = 5,
            BatchTime = TimeSpan.FromSeconds(10),
            LeaseDuration = TimeSpan.FromSeconds(30),
            MaxAttempts = 3,
        };
        configure?.Invoke(options);
        return new RedisBatchStore(connection ?? SharedRedis.Connection, Options.Create(options), time ?? new FakeTimeProvider(Start), TestMetrics.Store());
    }

    /// <summary>Every key under the store's prefix (all shards).</summary>
    public static async Task<List<string>> KeysAsync(RedisBatchStore store, IConnectionMultiplexer? connection = null)
    {
        connection ??= SharedRedis.Connection;
        var server = connection.GetServers()[0];
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: store.Keys.AllKeysPattern, pageSize: 1000))
        {
            keys.Add(key!);
        }

        return keys;
    }

    /// <summary>Keys that hold data (counters at zero are bookkeeping, not data).</summary>
    public static async Task<List<string>> DataKeysAsync(RedisBatchStore store, IConnectionMultiplexer? connection = null)
    {
        connection ??= SharedRedis.Connection;
        var db = connection.GetDatabase();
        var result = new List<string>();
        foreach (var key in await KeysAsync(store, connection))
        {
            if (await db.KeyTypeAsync(key) == RedisType.String && (long)await db.StringGetAsync(key) == 0)
            {
                continue;
            }

            if (key.EndsWith(":seq", StringComparison.Ordinal))
            {
                continue;
            }

            result.Add(key);
        }

        return result;
    }

    public static AppendEvent Event(string agentId, string eventId) =>
        AppendEvent.FromJson(eventId, agentId, JsonSerializer.Serialize(new { eventId, agentId, type = "reply" }));

    public static List<AppendEvent> Events(string agentId, int count, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(i => Event(agentId, $"{agentId}-e{i}"))];

    public static string EventIdOf(string item) => JsonDocument.Parse(item).RootElement.GetProperty("eventId").GetString()!;
}
