using System.Collections.Concurrent;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// An in-memory sink whose behaviour a test chooses per call; records every call and every batch it reported written.
/// </summary>
public sealed class FakeSink(Func<IReadOnlyList<FeedbackBatch>, CancellationToken, Task<IReadOnlyList<BatchWriteResult>>>? behaviour = null)
    : IFeedbackSink
{
    private readonly ConcurrentQueue<IReadOnlyList<FeedbackBatch>> _calls = new();
    private readonly ConcurrentQueue<FeedbackBatch> _written = new();

    public Func<IReadOnlyList<FeedbackBatch>, CancellationToken, Task<IReadOnlyList<BatchWriteResult>>> Behaviour { get; set; } =
        behaviour ?? ((batches, _) => Task.FromResult(AllWritten(batches)));

    public string Name => "fake";

    public int Prepared { get; private set; }

    public IReadOnlyList<IReadOnlyList<FeedbackBatch>> Calls => [.. _calls];

    /// <summary>Batches reported written, in order (a batch written twice appears twice).</summary>
    public IReadOnlyList<FeedbackBatch> Written => [.. _written];

    public IReadOnlyList<string> WrittenEventIds => [.. Written.SelectMany(b => b.Events).Select(e => e.EventId)];

    public static IReadOnlyList<BatchWriteResult> AllWritten(IReadOnlyList<FeedbackBatch> batches) =>
        [.. batches.Select(b => BatchWriteResult.Written(b.BatchId))];

    public Task PrepareAsync(CancellationToken cancellationToken)
    {
        Prepared++;
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<BatchWriteResult>> WriteAsync(IReadOnlyList<FeedbackBatch> batches, CancellationToken cancellationToken)
    {
        _calls.Enqueue(batches);
        var results = await Behaviour(batches, cancellationToken);
        foreach (var result in results.Where(r => r.Outcome == SinkOutcome.Written))
        {
            _written.Enqueue(batches.First(b => b.BatchId == result.BatchId));
        }

        return results;
    }
}
