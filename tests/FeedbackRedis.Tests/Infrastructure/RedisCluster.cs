using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A real 3-master Redis Cluster on loopback (redis-server processes with cluster-enabled, joined by
/// <c>redis-cli --cluster create</c>), for the cluster key layout, and an online slot migration done the way
/// <c>redis-cli --cluster reshard</c> does it (<see cref="MigrateSlotAsync"/>). Needs redis-server and redis-cli on PATH.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private readonly List<Process> _nodes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("feedback-redis-cluster-").FullName;
    private ConnectionMultiplexer? _admin;

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

        // Every node, not just the first: until gossip has reached a node it answers CLUSTERDOWN (seen on a loaded CI run).
        foreach (int port in cluster.Ports)
        {
            await Eventually.WaitAsync(async () =>
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
                var info = (string?)await probe.GetDatabase().ExecuteAsync("CLUSTER", "INFO");
                return info is not null && info.Contains("cluster_state:ok", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), $"cluster node {port} reports cluster_state:ok");
        }
    }

    /// <summary>The hash slot of <paramref name="key"/>, as the cluster computes it (CLUSTER KEYSLOT).</summary>
    public async Task<int> KeySlotAsync(string key) => (int)await (await NodeAsync(Ports[0])).ExecuteAsync("CLUSTER", "KEYSLOT", key);

    /// <summary>The port of the master serving <paramref name="slot"/>, by CLUSTER SLOTS on the first node.</summary>
    public async Task<int> OwnerOfAsync(int slot)
    {
        var ranges = (RedisResult[])(await (await NodeAsync(Ports[0])).ExecuteAsync("CLUSTER", "SLOTS"))!;
        foreach (var range in ranges.Select(r => (RedisResult[])r!))
        {
            if ((int)range[0] <= slot && slot <= (int)range[1])
            {
                return (int)((RedisResult[])range[2]!)[1];
            }
        }

        throw new InvalidOperationException($"no master serves slot {slot}");
    }

    /// <summary>
    /// Moves <paramref name="slot"/> to the master on <paramref name="targetPort"/> while clients keep using it, as
    /// <c>redis-cli --cluster reshard</c> does: CLUSTER SETSLOT IMPORTING on the target and MIGRATING on the source, then
    /// the slot's keys one MIGRATE at a time (<paramref name="pause"/> between keys, so that clients meet the slot half
    /// moved), then CLUSTER SETSLOT NODE on the target, the source and the other masters.
    /// </summary>
    /// <returns>The number of keys moved (0 when the target already serves the slot).</returns>
    public async Task<int> MigrateSlotAsync(int slot, int targetPort, TimeSpan pause)
    {
        int sourcePort = await OwnerOfAsync(slot);
        if (sourcePort == targetPort)
        {
            return 0;
        }

        var source = await NodeAsync(sourcePort);
        var target = await NodeAsync(targetPort);
        string sourceId = (string)(await source.ExecuteAsync("CLUSTER", "MYID"))!;
        string targetId = (string)(await target.ExecuteAsync("CLUSTER", "MYID"))!;
        await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
        await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
        int moved = 0;
        while (true)
        {
            var keys = (RedisResult[])(await source.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, 10))!;
            if (keys.Length == 0)
            {
                break;
            }

            foreach (var key in keys)
            {
                await source.ExecuteAsync("MIGRATE", "127.0.0.1", targetPort, (RedisValue)key, 0, 5000);
                moved++;
                await Task.Delay(pause);
            }
        }

        await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        foreach (int port in Ports.Where(p => p != sourcePort && p != targetPort))
        {
            await (await NodeAsync(port)).ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        }

        return moved;
    }

    /// <summary>True when no node has a slot half moved (no <c>[slot-&gt;-node]</c> or <c>[slot-&lt;-node]</c> in CLUSTER NODES).</summary>
    public async Task<bool> IsSettledAsync()
    {
        foreach (int port in Ports)
        {
            var nodes = (string?)await (await NodeAsync(port)).ExecuteAsync("CLUSTER", "NODES");
            if (nodes is null || nodes.Contains('[', StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One node, on an admin connection of its own (never a client's: its slot map is left alone).</summary>
    private async Task<IServer> NodeAsync(int port)
    {
        _admin ??= await ConnectionMultiplexer.ConnectAsync(
            string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + ",allowAdmin=true,connectTimeout=5000");
        return _admin.GetServer("127.0.0.1", port);
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
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

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
