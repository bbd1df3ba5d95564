using System.Buffers;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// Appends one JSON line per event (<see cref="FileSinkLine"/>) to one file, for machines with no MongoDB. A group's
/// lines are appended whole under an exclusive lock and fsynced before the write reports success
/// (<see cref="AppendOnlyFile"/>), so several flusher processes may share the file; a failed append is cut back off the
/// file and the group reported <see cref="SinkOutcome.Unavailable"/>. An event whose line cannot be written is refused
/// alone (<see cref="BatchWriteResult.RejectedItems"/>). Idempotency is the reader's: a re-flushed batch appends its
/// lines again, and <see cref="FileSinkReader"/> counts distinct event ids (docs/SINKS.md).
/// </summary>
public sealed partial class FileFeedbackSink(FileSinkOptions options, TimeProvider time, ILogger<FileFeedbackSink> logger)
    : IFeedbackSink, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path = Path.GetFullPath(options.FilePath);

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

    /// <summary>
    /// The <c>write(2)</c> appends go through. Tests replace it to make a write fail part-way (disk full, I/O error).
    /// </summary>
    internal AppendOnlyFile.WriteCall FileWrite { get; init; } = AppendOnlyFile.SystemWrite;

    public async Task<IReadOnlyList<BatchWriteResult>> WriteAsync(IReadOnlyList<FeedbackBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var group = new ArrayBufferWriter<byte>(Math.Max(batches.Sum(b => b.Events.Count), 1) * 256);
        var scratch = new ArrayBufferWriter<byte>(1024);
        var now = time.GetUtcNow();
        var refused = new IReadOnlyList<RejectedItem>?[batches.Count];
        for (int i = 0; i < batches.Count; i++)
        {
            refused[i] = WriteLines(batches[i], group, scratch, now);
        }

        try
        {
            if (await AppendAsync(group.WrittenMemory, cancellationToken))
            {
                LogTornEndClosed(_path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFileWriteFailed(ex, _path);
            return [.. batches.Select(b => new BatchWriteResult(b.BatchId, SinkOutcome.Unavailable, $"file sink: {ex.Message}"))];
        }

        return [.. batches.Select((b, i) => refused[i] is { } items
            ? BatchWriteResult.WrittenExcept(b.BatchId, items)
            : BatchWriteResult.Written(b.BatchId))];
    }

    /// <summary>
    /// Adds the batch's lines to <paramref name="group"/>. Each line is written to <paramref name="scratch"/> first and
    /// copied only when whole, so an event whose line cannot be written leaves no bytes behind; it is refused alone.
    /// </summary>
    /// <returns>The refused items, or null when every line was written.</returns>
    private List<RejectedItem>? WriteLines(FeedbackBatch batch, ArrayBufferWriter<byte> group, ArrayBufferWriter<byte> scratch, DateTimeOffset now)
    {
        List<RejectedItem>? refused = null;
        foreach (var e in batch.Events)
        {
            scratch.ResetWrittenCount();
            try
            {
                FileSinkLine.Write(scratch, e, batch, now);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Whatever the JSON writer throws for this event (an item it cannot re-encode, say) is this event's
                // problem alone: the flusher quarantines it and the rest of the batch is stored.
                LogLineRefused(ex, batch.BatchId, e.ItemIndex, e.EventId);
                (refused ??= []).Add(new RejectedItem(
                    e.ItemIndex, $"file sink could not write event {e.EventId}'s line: {ex.GetType().Name}: {ex.Message}"));
                continue;
            }

            group.Write(scratch.WrittenSpan);
        }

        return refused;
    }

    private async Task<bool> AppendAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // flock blocks while another process appends: keep it off the caller's thread.
            return await Task.Run(() => AppendOnlyFile.Append(_path, lines.Span, FileWrite), CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
