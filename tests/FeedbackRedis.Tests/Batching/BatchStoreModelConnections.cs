using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>
/// The connections of <see cref="BatchStoreModelTests"/>: one per logical client, named after it (so a fault can kill
/// exactly that client's connection with CLIENT KILL) and made through <see cref="Proxy"/> (so a fault can cut a call
/// before or after Redis ran it), and an admin connection for the checks, which no fault touches. Kept across
/// sequences: connecting is slower than a sequence's steps.
/// </summary>
internal sealed class BatchStoreModelConnections(RedisServer redis) : IAsyncDisposable
{
    private readonly Dictionary<string, ConnectionMultiplexer> _clients = new(StringComparer.Ordinal);
    private ConnectionMultiplexer? _admin;

    public FaultProxy Proxy { get; } = new(redis.Port);

    public IDatabase Admin => (_admin ?? throw new InvalidOperationException("not connected")).GetDatabase();

    private IServer AdminServer => _admin!.GetServers()[0];

    public async Task StartAsync() => _admin = await ConnectAsync("model-admin", admin: true);

    /// <summary>The connection of client <paramref name="name"/>, made on first use.</summary>
    public async Task<IConnectionMultiplexer> GetAsync(string name)
    {
        if (!_clients.TryGetValue(name, out var connection))
        {
            _clients[name] = connection = await ConnectAsync(name, admin: false);
        }

        return connection;
    }

    /// <summary>A fresh connection for client <paramref name="name"/> (a restarted process); the old one is closed.</summary>
    public async Task<IConnectionMultiplexer> RenewAsync(string name)
    {
        if (_clients.Remove(name, out var old))
        {
            await old.DisposeAsync();
        }

        return await GetAsync(name);
    }

    /// <summary>
    /// Drops the connections of client <paramref name="name"/> (CLIENT KILL ID) and waits until its multiplexer has
    /// reconnected, so that the drop falls between two calls whatever the machine's speed (replays stay exact); returns
    /// how many were killed.
    /// </summary>
    public async Task<int> KillBetweenCallsAsync(string name)
    {
        var connection = _clients[name];
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRestored(object? sender, ConnectionFailedEventArgs e) => restored.TrySetResult();
        connection.ConnectionRestored += OnRestored;
        try
        {
            int killed = await KillAsync(name);
            if (killed > 0 && await Task.WhenAny(restored.Task, Task.Delay(TimeSpan.FromSeconds(20))) != restored.Task)
            {
                throw new TimeoutException($"{name} did not reconnect within 20 s of its CLIENT KILL");
            }

            return killed;
        }
        finally
        {
            connection.ConnectionRestored -= OnRestored;
        }
    }

    /// <summary>Drops every connection of client <paramref name="name"/> on the server side (CLIENT KILL ID); returns how many.</summary>
    public async Task<int> KillAsync(string name)
    {
        int killed = 0;
        foreach (var client in await AdminServer.ClientListAsync())
        {
            if (client.Name == name)
            {
                await AdminServer.ExecuteAsync("CLIENT", "KILL", "ID", client.Id);
                killed++;
            }
        }

        return killed;
    }

    /// <summary>Waits until Redis has loaded its data and every connection is connected again (after a restart).</summary>
    public async Task WaitConnectedAsync()
    {
        await Eventually.WaitAsync(
            async () =>
            {
                try
                {
                    return ((string)(await Admin.ExecuteAsync("INFO", "persistence"))!).Contains("loading:0", StringComparison.Ordinal);
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or RedisServerException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20),
            () => "Redis has loaded its AOF after the restart",
            TimeSpan.FromMilliseconds(10));
        await Eventually.WaitAsync(
            () => Task.FromResult(_clients.Values.All(c => c.IsConnected)),
            TimeSpan.FromSeconds(20),
            () => "every client connection is back after the Redis restart",
            TimeSpan.FromMilliseconds(10));
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(string name, bool admin)
    {
        var options = ConfigurationOptions.Parse(redis.ConnectionString);
        options.ClientName = name;
        if (!admin)
        {
            options.EndPoints.Clear();
            options.EndPoints.Add("127.0.0.1", Proxy.Port);
        }

        options.AllowAdmin = admin;
        options.ConnectTimeout = 2000;
        options.ReconnectRetryPolicy = new LinearRetry(50);
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _clients.Values)
        {
            await connection.DisposeAsync();
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        await Proxy.DisposeAsync();
    }
}
