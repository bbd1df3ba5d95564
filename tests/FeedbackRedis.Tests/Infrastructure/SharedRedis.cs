using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests;

/// <summary>
/// One Redis for the whole run, started by the first test that asks for it (so tests that need no server run without
/// one); every test works under its own key prefix (<see cref="TestKeys.Prefix"/>). It persists as the README
/// recommends (AOF, everysec), so the service processes started against it pass the start-up check.
/// </summary>
[SetUpFixture]
public sealed class SharedRedis
{
    private static readonly Lazy<Task<(RedisServer Server, ConnectionMultiplexer Connection)>> Started = new(StartAsync);

    public static RedisServer Server => Get().Server;

    public static ConnectionMultiplexer Connection => Get().Connection;

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (!Started.IsValueCreated || !Started.Value.IsCompletedSuccessfully)
        {
            return;
        }

        var (server, connection) = Started.Value.Result;
        await connection.DisposeAsync();
        await server.DisposeAsync();
    }

    private static (RedisServer Server, ConnectionMultiplexer Connection) Get() => Started.Value.GetAwaiter().GetResult();

    private static async Task<(RedisServer, ConnectionMultiplexer)> StartAsync()
    {
        var server = await RedisServer.StartAsync(settings: RedisServer.Recommended);
        return (server, await ConnectionMultiplexer.ConnectAsync(server.ConnectionString));
    }
}
