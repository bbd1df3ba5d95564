using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FeedbackRedis.DevTools.Kafka;

/// <summary>
/// A control port for a running mock cluster (<c>feedback-dev kafka --control-port</c>), on loopback only: one command
/// a line, one reply a line, so that a script can take brokers down and up while clients use them (scripts/chaos.sh,
/// row broker-down). Commands: <c>down ID|all</c>, <c>up ID|all</c> (<c>rd_kafka_mock_broker_set_down/up</c>) and
/// <c>status</c>; replies start with <c>ok</c> or <c>error:</c>. A line longer than <see cref="MaxLineChars"/> ends
/// the connection.
/// </summary>
public sealed class MockKafkaControl : IAsyncDisposable
{
    /// <summary>The longest command line read.</summary>
    public const int MaxLineChars = 200;

    private readonly MockKafkaCluster _cluster;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly SortedSet<int> _down = [];
    private readonly Task _accepting;

    private MockKafkaControl(MockKafkaCluster cluster, TcpListener listener)
    {
        _cluster = cluster;
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> (0: any free port) for commands to <paramref name="cluster"/>.</summary>
    public static MockKafkaControl Start(MockKafkaCluster cluster, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return new MockKafkaControl(cluster, listener);
    }

    /// <summary>Runs one command line and returns its reply (what a connection gets back for that line).</summary>
    public string Execute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lock (_lock)
        {
            switch (words)
            {
                case ["status"]:
                    return $"ok brokers {_cluster.Brokers}; down: {(_down.Count == 0 ? "none" : string.Join(",", _down))}";
                case [("down" or "up") and var verb, var which]:
                    if (Brokers(which) is not { } ids)
                    {
                        return $"error: '{which}' is not a broker: expected 1 to {_cluster.Brokers} or all";
                    }

                    foreach (int id in ids)
                    {
                        if (verb == "down")
                        {
                            _cluster.SetBrokerDown(id);
                            _down.Add(id);
                        }
                        else
                        {
                            _cluster.SetBrokerUp(id);
                            _down.Remove(id);
                        }
                    }

                    return $"ok {verb} {string.Join(",", ids)}";
                default:
                    return $"error: unknown command '{line.Trim()}': expected 'down ID|all', 'up ID|all' or 'status'";
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        _stop.Dispose();
    }

    private int[]? Brokers(string which)
    {
        if (which == "all")
        {
            return [.. Enumerable.Range(1, _cluster.Brokers)];
        }

        return int.TryParse(which, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id >= 1 && id <= _cluster.Brokers ? [id] : null;
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, new UTF8Encoding(false), false, 256, leaveOpen: true);
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 256, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
                var line = new StringBuilder();
                var buffer = new char[1];
                while (await reader.ReadAsync(buffer.AsMemory(), cancellationToken) == 1)
                {
                    if (buffer[0] != '\n')
                    {
                        line.Append(buffer[0]);
                        if (line.Length > MaxLineChars)
                        {
                            await writer.WriteLineAsync($"error: a command line is at most {MaxLineChars} characters".AsMemory(), cancellationToken);
                            return;
                        }

                        continue;
                    }

                    string command = line.ToString().TrimEnd('\r');
                    line.Clear();
                    string reply;
                    try
                    {
                        reply = Execute(command);
                    }
                    catch (InvalidOperationException ex)
                    {
                        reply = $"error: {ex.Message}";
                    }

                    await writer.WriteLineAsync(reply.AsMemory(), cancellationToken);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // the client went away, or the control port is stopping
            }
        }
    }
}
