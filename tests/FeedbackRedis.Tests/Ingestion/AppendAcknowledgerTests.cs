using System.Diagnostics.Metrics;
using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// What follows when Redis answers an append in flight, over a fake append call: acknowledged in order into the
/// partition book, or, after a failure, everything in flight held again in front of what is held.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class AppendAcknowledgerTests
{
    private static readonly TopicPartition A = new("fb.reply", new Partition(0));

    [Test]
    public async Task TakeBackOldest_RedisTookItIn_AcknowledgesItsOffsetsAndSaysDuplicates()
    {
        using var scene = new Scene();
        scene.Acknowledger.Send([Message(42), Message(43)], CancellationToken.None);
        scene.Calls[0].SetResult(new AppendResult(1, 1, 0));

        bool taken = await scene.Acknowledger.TakeBackOldestAsync();

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.True);
            Assert.That(scene.Acknowledger.Count, Is.Zero);
            Assert.That(scene.Book.Expected(A), Is.EqualTo(43), "the book records what the append recorded");
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.EqualTo(new[] { new TopicPartitionOffset(A, 44) }));
            Assert.That(scene.Lines(3011), Is.EqualTo(new[] { "Skipped 1 of 2 events already appended and not yet flushed (redelivered)" }));
        });
    }

    [Test]
    public async Task TakeBackOldest_OldestFailed_HoldsEveryAppendInFlightAgainInFrontAndAcknowledgesNothing()
    {
        using var scene = new Scene();
        scene.Acknowledger.Send([Message(42)], CancellationToken.None);
        scene.Acknowledger.Send([Message(43)], CancellationToken.None);
        scene.Held.Add(Message(44)); // the next micro-batch, being filled
        scene.Calls[1].SetResult(new AppendResult(1, 0, 0));
        scene.Calls[0].SetException(new BatchStoreUnavailableException("connection lost"));

        bool taken = await scene.Acknowledger.TakeBackOldestAsync();

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.False);
            Assert.That(scene.Acknowledger.Count, Is.Zero);
            Assert.That(scene.Held.Messages.Select(m => m.Result.Offset.Value), Is.EqualTo(new long[] { 42, 43, 44 }), "in the order taken from Kafka");
            Assert.That(scene.Held.NeedsCare, Is.True, "sent again the careful way");
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.Empty, "nothing acknowledged past the failure");
            Assert.That(scene.Lines(3045), Is.EqualTo(new[]
            {
                "An append in flight did not go through (connection lost): 2 appends in flight (2 messages) are held again and sent one at a time; 1 of their events Redis had taken in are skipped as duplicates",
            }));
        });
    }

    [Test]
    public async Task Drain_EveryAppendTakenIn_EmptiesTheWindowInOrder()
    {
        using var scene = new Scene();
        scene.Acknowledger.Send([Message(42)], CancellationToken.None);
        scene.Acknowledger.Send([Message(43)], CancellationToken.None);
        scene.Calls[0].SetResult(new AppendResult(1, 0, 0));
        scene.Calls[1].SetResult(new AppendResult(1, 0, 0));

        bool drained = await scene.Acknowledger.DrainAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(drained, Is.True);
            Assert.That(scene.Acknowledger.Count, Is.Zero);
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.EqualTo(new[] { new TopicPartitionOffset(A, 44) }));
        });
    }

    private static PendingMessage Message(long offset) => new(new ConsumeResult<byte[]?, byte[]?>
    {
        TopicPartitionOffset = new TopicPartitionOffset(A, offset),
        Message = new Message<byte[]?, byte[]?> { Value = [] },
    })
    {
        Classification = Classification.Accept(AppendEvent.FromJson($"e-{offset}", "agent-1", "{}")),
    };

    private sealed class Scene : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public Scene()
        {
            Book.Assigned([A]);
            Book.ResolvedFromKafka(A, 41);
            var metrics = new IngestionMetrics(_services.GetRequiredService<IMeterFactory>());
            Acknowledger = new AppendAcknowledger(new AppendWindow(AppendAsync, capacity: 4), Book, Held, metrics, Time, Logger);
        }

        public List<TaskCompletionSource<AppendResult>> Calls { get; } = [];

        public PartitionBook Book { get; } = new();

        public HeldMessages Held { get; } = new();

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        public FakeLogger Logger { get; } = new();

        public AppendAcknowledger Acknowledger { get; }

        public List<string> Lines(int eventId) => [.. Logger.Collector.GetSnapshot().Where(r => r.Id.Id == eventId).Select(r => r.Message)];

        public void Dispose() => _services.Dispose();

        private Task<AppendResult> AppendAsync(IReadOnlyList<AppendEvent> events, IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken)
        {
            var call = new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            Calls.Add(call);
            return call.Task;
        }
    }
}
