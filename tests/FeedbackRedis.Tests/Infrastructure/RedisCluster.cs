using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A real 3-master Redis Cluster on loopback (redis-server processes with cluster-enabled, joined by
/// <c>redis-cli --cluster create</c>), for the cluster key layout. Needs redis-server and redis-cli on PATH.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private readonly List<Process> _nodes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("feedback-redis-cluster-").FullName;

    public List<int> Ports { get; } = [];

    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + ",connectTimeout=5000";

    public static async Task<RedisCluster> StartAsync(int masters = 3)
    {
        var cluster = new RedisCluster();
        try
        {
            await cluster.FormAsync(masters);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync(); // never leave node processes behind
            throw;
        }
    }

    private async Task FormAsync(int masters)
    {
        var cluster = this;
        for (int i = 0; i < masters; i++)
        {
            int port = FreeClusterPort();
            cluster.Ports.Add(port);
            var start = new ProcessStartInfo("redis-server",
                $"--port {port} --bind 127.0.0.1 --dir {cluster._dir} --cluster-enabled yes --cluster-config-file nodes-{port}.conf "
                + "--save \"\" --appendonly no --maxmemory-policy noeviction")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            var node = Process.Start(start)!;
            node.OutputDataReceived += (_, _) => { };
            node.BeginOutputReadLine();
            cluster._nodes.Add(node);
        }

        foreach (int port in cluster.Ports)
        {
            await Eventually.WaitAsync(() => Ping(port), TimeSpan.FromSeconds(15), $"cluster node {port} answers");
        }

        var create = new ProcessStartInfo("redis-cli", "--cluster create "
            + string.Join(" ", cluster.Ports.Select(p => $"127.0.0.1:{p}")) + " --cluster-replicas 0 --cluster-yes")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using (var cli = Process.Start(create)!)
        {
            string output = await cli.StandardOutput.ReadToEndAsync() + await cli.StandardError.ReadToEndAsync();
            await cli.WaitForExitAsync();
            if (cli.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed: {output}");
            }
        }

        await Eventually.WaitAsync(async () =>
        {
            await using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.Ports[0]},allowAdmin=true");
            var info = (string?)await probe.GetDatabase().ExecuteAsync("CLUSTER", "INFO");
            return info is not null && info.Contains("cluster_state:ok", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the cluster reports cluster_state:ok");
    }

    private static async Task<bool> Ping(int port)
    {
        try
        {
            await using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=500");
            return probe.IsConnected;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }

    /// <summary>A free port whose cluster bus port (+10000) is free too.</summary>
    private static int FreeClusterPort()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = Random.Shared.Next(20_000, 30_000);
            if (IsFree(port) && IsFree(port + 10_000))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port pair for a cluster node");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (!node.HasExited)
            {
                node.Kill();
                await node.WaitForExitAsync();
            }

            node.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // the OS cleans temp folders
        }
    }
}
