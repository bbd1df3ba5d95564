using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A throw-away PKI for the Kafka TLS tests, made in memory with <see cref="CertificateRequest"/>: a CA, a broker
/// certificate for a chosen host name (signed by that CA), and a client certificate for mutual TLS. Each is also written
/// as PEM into a temporary folder (deleted on dispose) for the <c>*_LOCATION</c> settings.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string ClientName = "feedback-redis-test-client";
    public const string KeyPassword = "s3cret-key-password";

    private TestCertificates(string directory, X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, RSA clientKey)
    {
        Directory = directory;
        Ca = ca;
        Server = server;
        Client = client;
        CaPem = ca.ExportCertificatePem() + "\n";
        ClientCertificatePem = client.ExportCertificatePem() + "\n";
        ClientKeyPem = clientKey.ExportPkcs8PrivateKeyPem() + "\n";
        EncryptedClientKeyPem = clientKey.ExportEncryptedPkcs8PrivateKeyPem(
            KeyPassword, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)) + "\n";
        CaFile = Write("ca.pem", CaPem);
        ClientCertificateFile = Write("client.crt", ClientCertificatePem);
        ClientKeyFile = Write("client.key", ClientKeyPem);
        EncryptedClientKeyFile = Write("client.encrypted.key", EncryptedClientKeyPem);
    }

    public string Directory { get; }

    /// <summary>The CA, public part.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The broker's certificate with its private key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The client's certificate, public part.</summary>
    public X509Certificate2 Client { get; }

    public string CaPem { get; }

    public string ClientCertificatePem { get; }

    public string ClientKeyPem { get; }

    public string EncryptedClientKeyPem { get; }

    public string CaFile { get; }

    public string ClientCertificateFile { get; }

    public string ClientKeyFile { get; }

    public string EncryptedClientKeyFile { get; }

    /// <summary>Makes the PKI; the broker certificate names <paramref name="serverHost"/> (and 127.0.0.1 when it is localhost).</summary>
    public static TestCertificates Create(string serverHost = "localhost")
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("feedback-kafka-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=feedback-redis test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(serverHost);
        if (serverHost == "localhost")
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        var server = Issue(ca, serverKey, $"CN={serverHost}", names.Build(), "1.3.6.1.5.5.7.3.1", now, 1);
        using var clientKey = RSA.Create(2048);
        var client = Issue(ca, clientKey, $"CN={ClientName}", null, "1.3.6.1.5.5.7.3.2", now, 2);
        return new TestCertificates(directory, X509CertificateLoader.LoadCertificate(ca.RawData), server, client, clientKey);
    }

    /// <summary>Writes <paramref name="text"/> to a new file in <see cref="Directory"/> and returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }

    private static X509Certificate2 Issue(
        X509Certificate2 ca, RSA key, string subject, X509Extension? names, string usage, DateTimeOffset now, byte serial)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(30), [serial, (byte)Random.Shared.Next(256), 7, 7]);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Through PKCS#12 so that the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
