using System.Diagnostics.Metrics;
using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>Pausing the assignment from the pending count and Redis's availability, with a fake Kafka client and fake counts.</summary>
[Category(TestCategories.Unit)]
public sealed class BackpressureControlTests
{
    private static readonly TopicPartition A = new("fb.reply", new Partition(0));

    [Test]
    public async Task CheckPending_AtTheHighWaterMark_PausesOnceAndResumesBelowTheLowWaterMark()
    {
        using var scene = new Scene();

        await scene.CheckAsync(pending: 100);
        scene.Control.Apply(scene.Kafka);
        scene.Control.Apply(scene.Kafka);
        Assert.Multiple(() =>
        {
            Assert.That(scene.Control.Reasons, Is.EqualTo(PauseReasons.HighWater));
            Assert.That(scene.Kafka.Calls, Is.EqualTo(new[] { "pause 1" }), "paused once, not on every turn");
            Assert.That(scene.Lines(3006), Is.EqualTo(new[] { "Paused 1 partitions: high-water (pending events 100)" }));
        });

        await scene.CheckAsync(pending: 60); // between the marks: stays paused
        scene.Control.Apply(scene.Kafka);
        Assert.That(scene.Kafka.Calls, Is.EqualTo(new[] { "pause 1" }));

        await scene.CheckAsync(pending: 49);
        scene.Control.Apply(scene.Kafka);
        Assert.Multiple(() =>
        {
            Assert.That(scene.Control.ShouldPause, Is.False);
            Assert.That(scene.Kafka.Calls, Is.EqualTo(new[] { "pause 1", "resume 1" }));
            Assert.That(scene.Lines(3007), Is.EqualTo(new[] { "Resumed 1 partitions (pending events 49)" }));
        });
    }

    [Test]
    public async Task CheckPending_RedisDownThenBack_SaysEachOnceAndPausesMeanwhile()
    {
        using var scene = new Scene();
        scene.Down = true;

        await scene.CheckAsync(pending: 0);
        await scene.CheckAsync(pending: 0);
        Assert.Multiple(() =>
        {
            Assert.That(scene.Control.RedisUnavailable, Is.True);
            Assert.That(scene.Control.Unavailable, Is.True);
            Assert.That(scene.Lines(3008), Has.Count.EqualTo(1), "said once while it stays down");
        });

        scene.Down = false;
        await scene.CheckAsync(pending: 0);
        Assert.Multiple(() =>
        {
            Assert.That(scene.Control.RedisUnavailable, Is.False);
            Assert.That(scene.Lines(3009), Is.EqualTo(new[] { "Redis is available again" }));
        });
    }

    [Test]
    public async Task CheckPending_RedisDownWithMessagesHeld_LeavesTheProbeToTheHeldAppend()
    {
        using var scene = new Scene();
        scene.Control.RedisDown(held: 3, "connection refused");
        int reads = scene.Reads;

        scene.Time.Advance(TimeSpan.FromSeconds(1));
        await scene.Control.CheckPendingAsync(held: 3, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(scene.Reads, Is.EqualTo(reads), "no count read while the held append probes Redis");
            Assert.That(scene.Control.RedisUnavailable, Is.True);
        });
    }

    [Test]
    public void AppendRetrying_PausesAtOnceAndRedisUpEndsIt()
    {
        using var scene = new Scene();

        scene.Control.AppendRetrying(1, new InvalidOperationException("timeout"), TimeSpan.FromMilliseconds(200));
        scene.Control.Apply(scene.Kafka);
        Assert.Multiple(() =>
        {
            Assert.That(scene.Kafka.Calls, Is.EqualTo(new[] { "pause 1" }));
            Assert.That(scene.Lines(3010), Is.EqualTo(new[] { "Append retry 1 in 200 ms: timeout" }));
        });

        scene.Control.RedisUp();
        scene.Control.Apply(scene.Kafka);
        Assert.That(scene.Kafka.Calls, Is.EqualTo(new[] { "pause 1", "resume 1" }));
    }

    private sealed class Scene : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private long _pending;

        public Scene()
        {
            var options = new ConsumerOptions { PendingHighWater = 100, PendingLowWater = 50, PendingCheckInterval = TimeSpan.FromMilliseconds(100) };
            var metrics = new IngestionMetrics(_services.GetRequiredService<IMeterFactory>());
            Control = new BackpressureControl(options, ReadAsync, metrics, Time, Logger);
        }

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        public FakeLogger Logger { get; } = new();

        public FakeAssignment Kafka { get; } = new();

        public BackpressureControl Control { get; }

        public bool Down { get; set; }

        public int Reads { get; private set; }

        public List<string> Lines(int eventId) => [.. Logger.Collector.GetSnapshot().Where(r => r.Id.Id == eventId).Select(r => r.Message)];

        /// <summary>Lets the check interval pass and reads <paramref name="pending"/> with nothing held.</summary>
        public Task CheckAsync(long pending)
        {
            _pending = pending;
            Time.Advance(TimeSpan.FromMilliseconds(100));
            return Control.CheckPendingAsync(held: 0, CancellationToken.None);
        }

        public void Dispose() => _services.Dispose();

        private Task<StoreCounts> ReadAsync(CancellationToken cancellationToken)
        {
            Reads++;
            return Down
                ? throw new BatchStoreUnavailableException("Redis is down (fake)")
                : Task.FromResult(new StoreCounts(0, 0, 0, 0, 0, _pending, _pending, 0, null, Time.GetUtcNow()));
        }
    }

    private sealed class FakeAssignment : IKafkaAssignment
    {
        public List<string> Calls { get; } = [];

        public List<TopicPartition> Assignment => [A];

        public void PauseFetching(IEnumerable<TopicPartition> partitions) => Calls.Add($"pause {partitions.Count()}");

        public void ResumeFetching(IEnumerable<TopicPartition> partitions) => Calls.Add($"resume {partitions.Count()}");
    }
}
