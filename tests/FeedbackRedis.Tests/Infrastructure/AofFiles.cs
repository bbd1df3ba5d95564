namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// The append-only files of a local <see cref="RedisServer"/> started with AOF (Redis 7: a base file, an incr file and
/// a manifest under <c>appendonlydir</c>), captured by size so that a test can cut them back to that moment and restart:
/// a Redis data-loss restart (a host crash under <c>appendfsync everysec</c>, a replica promoted behind its primary),
/// made exact. Capture between calls: with <c>appendfsync always</c> every acknowledged write is in the files by then.
/// </summary>
public sealed class AofFiles
{
    private readonly string _folder;
    private readonly Dictionary<string, long> _sizes;

    private AofFiles(string folder, Dictionary<string, long> sizes)
    {
        _folder = folder;
        _sizes = sizes;
    }

    /// <summary>Total bytes captured.</summary>
    public long Bytes => _sizes.Values.Sum();

    public static AofFiles Capture(RedisServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        string folder = Path.Combine(server.DataDirectory, "appendonlydir");
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"no AOF folder under {server.DataDirectory}: start the server with appendOnly: true");
        }

        return new AofFiles(folder, Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => new FileInfo(f).Length, StringComparer.Ordinal));
    }

    /// <summary>
    /// Cuts every file back to its captured size; the server must be stopped. Fails when the files are no longer the
    /// captured ones (an AOF rewrite ran since): cutting those would not give back the captured moment.
    /// </summary>
    public void CutBack()
    {
        var now = Directory.GetFiles(_folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        if (!now.SequenceEqual(_sizes.Keys.Order(StringComparer.Ordinal)))
        {
            throw new InvalidOperationException(
                $"the AOF files changed since the capture (a rewrite ran): captured [{string.Join(", ", _sizes.Keys)}], now [{string.Join(", ", now)}]");
        }

        foreach (var (name, size) in _sizes)
        {
            using var file = new FileStream(Path.Combine(_folder, name), FileMode.Open, FileAccess.Write);
            if (file.Length < size)
            {
                throw new InvalidOperationException($"{name} is {file.Length} bytes, shorter than the {size} captured");
            }

            file.SetLength(size);
        }
    }
}
