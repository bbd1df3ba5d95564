using System.Buffers;
using FeedbackRedis.Flushing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// Appends one JSON line per event (<see cref="FileSinkLine"/>) to one file, for machines with no MongoDB. A write
/// holds an exclusive lock on the file (several flusher processes may share it), appends the group's lines in one
/// write and fsyncs before it reports success. Idempotency is the reader's: a re-flushed batch appends its lines
/// again, and <see cref="FileSinkReader"/> counts distinct event ids (docs/SINKS.md).
/// </summary>
public sealed partial class FileFeedbackSink(IOptions<FlusherOptions> options, TimeProvider time, ILogger<FileFeedbackSink> logger)
    : IFeedbackSink, IDisposable
{
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path = Path.GetFullPath(options.Value.FilePath);

    public string Name => "file";

    /// <summary>The file written to.</summary>
    public string FilePath => _path;

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
            await using var stream = await OpenExclusiveAsync(cancellationToken);
            await stream.WriteAsync(lines, CancellationToken.None);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Opens for append with an exclusive lock, waiting while another process holds it.</summary>
    private async Task<FileStream> OpenExclusiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
            }
            catch (IOException ex) when (FileLocks.IsSharingViolation(ex))
            {
                await Task.Delay(LockRetryDelay, time, cancellationToken);
            }
        }
    }

    public void Dispose() => _gate.Dispose();
}
