using System.Collections.Concurrent;
using FeedbackRedis.Flushing;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Records announcements; <see cref="FailNext"/> makes the next ones throw as an undeliverable message would.</summary>
public sealed class RecordingPublisher : IFlushedBatchPublisher
{
    private readonly ConcurrentQueue<FlushedBatchMessage> _messages = new();
    private int _failNext;

    public IReadOnlyList<FlushedBatchMessage> Messages => [.. _messages];

    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public Task PublishAsync(FlushedBatchMessage message, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            throw new InvalidOperationException("broker unreachable (test)");
        }

        _messages.Enqueue(message);
        return Task.CompletedTask;
    }
}
