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
    /// <summary>Persistence as the README recommends (and the start-up check accepts without a warning): AOF, fsync every second.</summary>
    public const string Recommended = "--save \"\" --appendonly yes --appendfsync everysec";

    private const string NoPersistence = "--save \"\" --appendonly no";
    private const string AppendOnlyAlways = "--save \"\" --appendonly yes --appendfsync always";

    private readonly string _dir;
    private readonly string _settings;
    private Process? _process;
    private RedisContainer? _container;

    private RedisServer(string settings)
    {
        _settings = settings;
        _dir = Directory.CreateTempSubdirectory("feedback-redis-test-").FullName;
    }

    public int Port { get; private set; }

    /// <summary>The local server's data directory (its AOF lives in <c>appendonlydir/</c>).</summary>
    public string DataDirectory => _dir;

    /// <summary>
    /// The local server's incremental AOF file (Redis 7 multi-part AOF: the writes since the last rewrite), for tests that
    /// cut it back to an earlier length as a host crash under <c>appendfsync everysec</c> would.
    /// </summary>
    public string IncrementalAof() =>
        Directory.GetFiles(Path.Combine(_dir, "appendonlydir"), "*.incr.aof").Single();

    public string ConnectionString => _container?.GetConnectionString() ?? $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=5000";

    /// <summary>
    /// Starts a server: Docker first (unless a test needs a local process), else redis-server from PATH. Without
    /// <paramref name="appendOnly"/> or <paramref name="settings"/> it persists nothing (a restart comes back empty).
    /// </summary>
    /// <param name="appendOnly">AOF on with appendfsync always, for restart tests (always a local process).</param>
    /// <param name="settings">
    /// redis-server arguments for persistence and replication in place of the defaults, e.g. <see cref="Recommended"/>
    /// (always a local process).
    /// </param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false, string? settings = null)
    {
        var server = new RedisServer(settings ?? (appendOnly ? AppendOnlyAlways : NoPersistence));
        if (!appendOnly && settings is null && await server.TryStartContainerAsync())
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
        string args = $"--port {Port} --bind 127.0.0.1 --dir {_dir} --maxmemory-policy noeviction {_settings}";
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

    /// <summary>
    /// Starts a local redis-server replicating this one (<c>--replicaof</c>, no persistence of its own) and waits until
    /// the link is up and this server lists it as online (so WAIT can count it). Dispose it to stop it.
    /// </summary>
    public async Task<RedisServer> StartReplicaAsync()
    {
        RequireProcess();
        await using var primary = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true");
        await primary.GetServers()[0].ConfigSetAsync("repl-diskless-sync-delay", "0"); // sync now, not after 5 s
        var replica = await StartAsync(settings: $"{NoPersistence} --replicaof 127.0.0.1 {Port}");
        try
        {
            await Eventually.WaitAsync(
                async () => (await primary.GetServers()[0].InfoAsync("replication"))
                    .SelectMany(g => g).Any(p => p.Key == "slave0" && p.Value.Contains("state=online", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(15),
                $"the replica on port {replica.Port} is linked to {Port}");
            return replica;
        }
        catch
        {
            await replica.DisposeAsync(); // never leave a process behind
            throw;
        }
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
