using System.Net;
using System.Net.Sockets;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A TCP listener on a free loopback port and its accept loop, for the test servers that stand in front of or in place
/// of a real one (<see cref="FaultProxy"/>, <see cref="TlsProbeServer"/>): each accepted connection goes to
/// <see cref="Serve"/>, which must not block; stopping ends the loop and the listener.
/// </summary>
public abstract class LoopbackServer
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Task _accepting = Task.CompletedTask;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Cancelled when the server stops: connections being served end with it.</summary>
    protected CancellationTokenSource Stopping { get; } = new();

    /// <summary>Starts listening and accepting; call once, from the constructor.</summary>
    protected void StartAccepting()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Takes one accepted connection (start its work and return).</summary>
    protected abstract void Serve(TcpClient client);

    /// <summary>Stops accepting and waits for the accept loop to end.</summary>
    protected async Task StopAcceptingAsync()
    {
        await Stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
    }

    private async Task AcceptAsync()
    {
        while (!Stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(Stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Serve(client);
        }
    }
}
