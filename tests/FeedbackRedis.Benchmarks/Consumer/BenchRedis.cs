using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks.Consumer;

/// <summary>A throw-away redis-server on a free loopback port (no persistence, noeviction).</summary>
internal sealed class BenchRedis : IAsyncDisposable
{
    private readonly Process _process;

    private BenchRedis(Process process, int port, ConnectionMultiplexer connection)
    {
        _process = process;
        Port = port;
        Connection = connection;
    }

    public int Port { get; }

    /// <summary>CPU time redis-server has used so far.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public ConnectionMultiplexer Connection { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,syncTimeout=5000";

    public static async Task<BenchRedis> StartAsync()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var process = Process.Start(new ProcessStartInfo(
            "redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --maxmemory-policy noeviction")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (install it: scripts/bench-consumer.sh does)");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=500,allowAdmin=true");
                await connection.GetDatabase().PingAsync();
                return new BenchRedis(process, port, connection);
            }
            catch (RedisConnectionException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
