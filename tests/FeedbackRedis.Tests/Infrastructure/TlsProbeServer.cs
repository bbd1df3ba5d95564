using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A TLS listener on loopback that stands in for a Kafka broker as far as the handshake goes: it presents a broker
/// certificate, asks for a client certificate, records each completed handshake (and the client certificate's subject),
/// then closes the connection. It speaks no Kafka protocol, so a client never gets further than the handshake: enough to
/// show which TLS settings reached librdkafka and what they made it do (verify the CA and host name, present its
/// certificate). The librdkafka mock cluster has no TLS listener.
/// </summary>
public sealed class TlsProbeServer : LoopbackServer, IDisposable
{
    private readonly X509Certificate2 _certificate;

    private TlsProbeServer(X509Certificate2 certificate)
    {
        _certificate = certificate;
        StartAccepting();
    }

    /// <summary>Subjects of the client certificates of completed handshakes ("(none)" when the client sent none).</summary>
    public ConcurrentQueue<string> Handshakes { get; } = new();

    /// <summary>Why handshakes failed, as the server saw it.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Connections accepted, handshake or not.</summary>
    public int Connections => _connections;

    private int _connections;

    public static TlsProbeServer Start(X509Certificate2 certificate) => new(certificate);

    /// <summary>Waits until a handshake completes or <paramref name="patience"/> passes, running <paramref name="poke"/> (which should make the client connect) meanwhile.</summary>
    public async Task<string?> WaitForHandshakeAsync(TimeSpan patience, Action poke)
    {
        var until = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < until)
        {
            if (Handshakes.TryPeek(out string? subject))
            {
                return subject;
            }

            await Task.Run(poke);
            await Task.Delay(50);
        }

        return Handshakes.TryPeek(out string? last) ? last : null;
    }

    public void Dispose()
    {
        StopAcceptingAsync().Wait(TimeSpan.FromSeconds(5));
        Stopping.Dispose();
    }

    protected override void Serve(TcpClient client)
    {
        Interlocked.Increment(ref _connections);
        _ = HandshakeAsync(client);
    }

    private async Task HandshakeAsync(TcpClient client)
    {
        using (client)
        {
            X509Certificate? presented = null;
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stopping.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        ClientCertificateRequired = true,
                        // Any client certificate is recorded and accepted; the test asserts on what was presented.
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        {
                            presented = certificate;
                            return certificate is not null;
                        },
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    },
                    timeout.Token);
                Handshakes.Enqueue(presented?.Subject ?? "(none)");
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                Failures.Enqueue($"{ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
