using System.Globalization;
using System.Security.Cryptography;

namespace FeedbackRedis.Flushing;

/// <summary>
/// The lease owner name of this process: <c>host/pid/random</c>, unique per process start, so that a restarted pod
/// (same host name, perhaps the same pid) never holds its previous life's leases.
/// </summary>
public sealed record FlusherIdentity(string Owner)
{
    public static FlusherIdentity Create() =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}"));
}
