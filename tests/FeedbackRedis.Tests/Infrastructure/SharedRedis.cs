using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests;

/// <summary>
/// One Redis for the whole run; every test works under its own key prefix (<see cref="TestKeys.Prefix"/>). It persists
/// as the README recommends (AOF, everysec), so the service processes started against it pass the start-up check.
/// </summary>
[SetUpFixture]
public sealed class SharedRedis
{
    private static RedisServer? _server;
    private static ConnectionMultiplexer? _connection;

    public static RedisServer Server => _server ?? throw new InvalidOperationException("SharedRedis was not set up");

    public static ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("SharedRedis was not set up");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await RedisServer.StartAsync(settings: RedisServer.Recommended);
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
