using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A real Redis for tests: Testcontainers.Redis where a Docker engine runs, else <c>redis-server</c> from PATH on a
/// free loopback port (scripts/test.sh installs it). Neither available is a loud failure, never a pass.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly bool _appendOnly;
    private Process? _process;
    private RedisContainer? _container;

    private RedisServer(bool appendOnly)
    {
        _appendOnly = appendOnly;
        _dir = Directory.CreateTempSubdirectory("feedback-redis-test-").FullName;
    }

    public int Port { get; private set; }

    /// <summary>The server's data folder (a local process only): its AOF lives in <c>appendonlydir</c> under it.</summary>
    public string DataDirectory => _dir;

    public string ConnectionString => _container?.GetConnectionString() ?? $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=5000";

    /// <summary>Starts a server: Docker first (unless a test needs a local process), else redis-server from PATH.</summary>
    /// <param name="appendOnly">AOF on with appendfsync always, for restart tests (always a local process).</param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false)
    {
        var server = new RedisServer(appendOnly);
        if (!appendOnly && await server.TryStartContainerAsync())
        {
            return server;
        }

        server.Port = FreePort();
        await server.StartProcessAsync();
        return server;
    }

    private async Task<bool> TryStartContainerAsync()
    {
        try
        {
            var container = new RedisBuilder("redis:7.0").Build();
            await container.StartAsync();
            _container = container;
            return true;
        }
        catch (Exception ex) when (ex is DockerUnavailableException || ex.GetType().Name.Contains("Docker", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private async Task StartProcessAsync()
    {
        string args = $"--port {Port} --bind 127.0.0.1 --dir {_dir} --save \"\" --maxmemory-policy noeviction "
            + (_appendOnly ? "--appendonly yes --appendfsync always" : "--appendonly no");
        var start = new ProcessStartInfo("redis-server", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                "No Docker engine and no redis-server on PATH: these tests need a real Redis. Run scripts/test.sh, which installs it.", ex);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
                if (probe.IsConnected && (await probe.GetDatabase().PingAsync()) < TimeSpan.FromSeconds(5))
                {
                    return;
                }
            }
            catch (RedisConnectionException)
            {
                // not up yet
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("LOADING", StringComparison.Ordinal))
            {
                // up, still replaying its AOF
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer within 15 s");
    }

    /// <summary>Stops the server process at once (SIGKILL), as a crash would.</summary>
    public Task KillAsync()
    {
        RequireProcess();
        _process!.Kill();
        _process.WaitForExit();
        return Task.CompletedTask;
    }

    /// <summary>Restarts the local server on the same port and data directory (AOF is replayed when on).</summary>
    public async Task RestartAsync()
    {
        RequireProcess();
        if (!_process!.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
        await StartProcessAsync();
    }

    private void RequireProcess()
    {
        if (_process is null)
        {
            throw new InvalidOperationException("Only a local redis-server can be killed and restarted by the tests.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a late AOF rewrite may still hold a file; the temp folder is cleaned by the OS
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
