using System.Net;
using System.Net.Sockets;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>What an armed <see cref="FaultProxy"/> does to the next exchange.</summary>
public enum ProxyFault
{
    None,

    /// <summary>The next bytes a client sends are dropped and its connection cut: the request never reaches the server.</summary>
    DropRequest,

    /// <summary>The next bytes the server answers are dropped and the connection cut: the request ran, the client cannot know.</summary>
    DropReply,
}

/// <summary>
/// A TCP proxy on loopback in front of a server, for faults between a client and Redis that CLIENT KILL cannot make
/// exactly: armed, it cuts the next exchange of any connection either before the request reaches the server or after
/// the server has answered. The client sees a dropped connection either way; only the proxy knows which it was.
/// </summary>
public sealed class FaultProxy : LoopbackServer, IAsyncDisposable
{
    private readonly int _target;
    private readonly List<TcpClient> _sockets = [];
    private int _armed;

    public FaultProxy(int targetPort)
    {
        _target = targetPort;
        StartAccepting();
    }

    /// <summary>Arms <paramref name="fault"/> for the next exchange of any connection.</summary>
    public void Arm(ProxyFault fault) => Volatile.Write(ref _armed, (int)fault);

    /// <summary>Disarms; true when the armed fault had not struck.</summary>
    public bool Disarm() => Interlocked.Exchange(ref _armed, (int)ProxyFault.None) != (int)ProxyFault.None;

    protected override void Serve(TcpClient client) => _ = RelayAsync(client);

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        lock (_sockets)
        {
            _sockets.Add(client);
            _sockets.Add(server);
        }

        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, Stopping.Token);
            var up = PumpAsync(client, server, ProxyFault.DropRequest);
            var down = PumpAsync(server, client, ProxyFault.DropReply);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the server is down (a restart): the client sees its connection closed and reconnects
        }
        finally
        {
            client.Close();
            server.Close();
            lock (_sockets)
            {
                _sockets.Remove(client);
                _sockets.Remove(server);
            }
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> until either closes, or until <paramref name="fault"/> strikes.</summary>
    private async Task PumpAsync(TcpClient from, TcpClient to, ProxyFault fault)
    {
        var buffer = new byte[64 * 1024];
        var source = from.GetStream();
        var target = to.GetStream();
        try
        {
            while (true)
            {
                int read = await source.ReadAsync(buffer, Stopping.Token);
                if (read == 0 || Interlocked.CompareExchange(ref _armed, (int)ProxyFault.None, (int)fault) == (int)fault)
                {
                    return;
                }

                await target.WriteAsync(buffer.AsMemory(0, read), Stopping.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // closed under us
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Close());
        }

        Stopping.Dispose();
    }
}
