using System.Buffers;
using FeedbackRedis.Flushing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// Appends one JSON line per event (<see cref="FileSinkLine"/>) to one file, for machines with no MongoDB. A group's
/// lines are appended whole under an exclusive lock and fsynced before the write reports success
/// (<see cref="AppendOnlyFile"/>), so several flusher processes may share the file. Idempotency is the reader's: a re-flushed batch appends its lines
/// again, and <see cref="FileSinkReader"/> counts distinct event ids (docs/SINKS.md).
/// </summary>
public sealed partial class FileFeedbackSink(IOptions<FlusherOptions> options, TimeProvider time, ILogger<FileFeedbackSink> logger)
    : IFeedbackSink, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path = Path.GetFullPath(options.Value.FilePath);

    public string Name => "file";

    /// <summary>The file written to.</summary>
    public string FilePath => _path;

    public Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        string? folder = Path.GetDirectoryName(_path);
        return Task.FromResult(folder is { Length: > 0 } && !Directory.Exists(folder)
            ? $"the sink file's folder {folder} does not exist"
            : null);
    }

    public Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(_path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        LogFileSinkReady(_path);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<BatchWriteResult>> WriteAsync(IReadOnlyList<FeedbackBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var buffer = new ArrayBufferWriter<byte>(batches.Sum(b => b.Events.Count) * 256);
        var now = time.GetUtcNow();
        foreach (var batch in batches)
        {
            foreach (var e in batch.Events)
            {
                FileSinkLine.Write(buffer, e, batch, now);
            }
        }

        try
        {
            await AppendAsync(buffer.WrittenMemory, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFileWriteFailed(ex, _path);
            return [.. batches.Select(b => new BatchWriteResult(b.BatchId, SinkOutcome.Unavailable, $"file sink: {ex.Message}"))];
        }

        return [.. batches.Select(b => BatchWriteResult.Written(b.BatchId))];
    }

    private async Task AppendAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // flock blocks while another process appends: keep it off the caller's thread.
            await Task.Run(() => AppendOnlyFile.Append(_path, lines.Span), CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
