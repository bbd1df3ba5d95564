using System.Diagnostics.Metrics;
using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// Positioning against Redis's record, with a fake Kafka client and a fake Redis: resolve from Redis or from Kafka, what
/// held messages a position makes stale, rewinds when Redis is behind or empty, and failed seeks that keep a partition
/// unresolved.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class PartitionPositionerTests
{
    private static readonly TopicPartition A = new("fb.reply", new Partition(0));
    private static readonly TopicPartition B = new("fb.reply", new Partition(1));

    [Test]
    public async Task TryResolve_RedisHasARecord_SeeksJustAfterItAndWaitsThatOffsetForKafka()
    {
        using var scene = new Scene();
        scene.Redis.Records[K(A)] = 41;
        scene.Kafka.Positions[A] = 10;
        scene.Book.Assigned([A]);

        bool resolved = await scene.Positioner.TryResolveAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(resolved, Is.True);
            Assert.That(scene.Book.Unresolved, Is.Empty);
            Assert.That(scene.Kafka.Seeks, Is.EqualTo(new[] { new TopicPartitionOffset(A, 42) }));
            Assert.That(scene.Book.Expected(A), Is.EqualTo(41));
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.EqualTo(new[] { new TopicPartitionOffset(A, 42) }),
                "Kafka's commit catches up with Redis's record");
            Assert.That(scene.Redis.RecordedStarts, Is.Empty, "Redis had a record: nothing is written");
            Assert.That(scene.Lines(3042), Is.EqualTo(new[]
            {
                "Positioned 1 assigned partitions after the offsets Redis recorded (fb.reply[0]@42); 0 at Kafka's committed offset, Redis had no record ()",
            }));
        });
    }

    [Test]
    public async Task TryResolve_RedisHasNoRecord_StartsAtKafkasCommitOrTheLogStartAndRecordsThatInRedis()
    {
        using var scene = new Scene();
        scene.Kafka.Commits[A] = 20;
        scene.Kafka.LogStarts[B] = 5; // B has no commit
        scene.Book.Assigned([A, B]);

        bool resolved = await scene.Positioner.TryResolveAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(resolved, Is.True);
            Assert.That(scene.Kafka.Seeks, Is.Empty, "Kafka starts there anyway");
            Assert.That(scene.Book.Expected(A), Is.EqualTo(19));
            Assert.That(scene.Book.Expected(B), Is.EqualTo(4));
            Assert.That(scene.Redis.RecordedStarts, Is.EquivalentTo(new[]
            {
                new PartitionPosition(K(A), -1, 19), new PartitionPosition(K(B), -1, 4),
            }));
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.Empty, "nothing new to commit");
        });
    }

    [Test]
    public async Task TryResolve_HeldContinuesWhereRedisStops_DropsWhatRedisHoldsWithoutASeek()
    {
        using var scene = new Scene();
        scene.Redis.Records[K(A)] = 41;
        scene.Book.Assigned([A]);
        scene.Hold(A, 40, 41, 42, 43);

        await scene.Positioner.TryResolveAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(scene.Held.Messages.Select(m => m.Result.Offset.Value), Is.EqualTo(new long[] { 42, 43 }));
            Assert.That(scene.Kafka.Seeks, Is.Empty);
        });
    }

    [Test]
    public async Task TryResolve_RedisAheadOfWhatIsHeld_DropsItAllAndSeeksBack()
    {
        using var scene = new Scene();
        scene.Redis.Records[K(A)] = 41;
        scene.Book.Assigned([A]);
        scene.Hold(A, 45, 46); // Redis is behind what was taken: 42-44 must be read again

        await scene.Positioner.TryResolveAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(scene.Held.Count, Is.Zero);
            Assert.That(scene.Kafka.Seeks, Is.EqualTo(new[] { new TopicPartitionOffset(A, 42) }));
        });
    }

    [Test]
    public async Task TryResolve_SeekFails_KeepsThatPartitionUnresolvedUntilASeekWorks()
    {
        using var scene = new Scene();
        scene.Redis.Records[K(A)] = 41;
        scene.Redis.Records[K(B)] = 7;
        scene.Book.Assigned([A, B]);
        scene.Kafka.FailingSeeks.Add(A);

        bool first = await scene.Positioner.TryResolveAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.False);
            Assert.That(scene.Book.Unresolved, Is.EqualTo(new[] { A }));
            Assert.That(scene.Book.IsResolved(B), Is.True);
            Assert.That(scene.Lines(3044), Has.Count.EqualTo(1));
            Assert.That(scene.Lines(3044), Has.All.StartWith("Seeking fb.reply[0] to 42 failed (").And.All.EndWith("); tried again next turn"));
        });

        scene.Kafka.FailingSeeks.Clear();
        bool second = await scene.Positioner.TryResolveAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.True);
            Assert.That(scene.Book.Unresolved, Is.Empty);
            Assert.That(scene.Book.Expected(A), Is.EqualTo(41));
        });
    }

    [Test]
    public async Task TryResolve_RedisDown_ThrowsAndLeavesThePartitionsUnresolved()
    {
        using var scene = new Scene();
        scene.Redis.Down = true;
        scene.Book.Assigned([A, B]);

        await Assert.ThrowsAsync<BatchStoreUnavailableException>(() => scene.Positioner.TryResolveAsync(CancellationToken.None));

        Assert.That(scene.Book.Unresolved, Is.EquivalentTo(new[] { A, B }));
    }

    [Test]
    public async Task Rewind_RedisBehind_SeeksJustAfterItsRecordDropsWhatIsHeldAndForgetsWaitingOffsets()
    {
        using var scene = new Scene();
        await scene.ResolveFromRedisAsync(A, 41);
        scene.Hold(A, 42, 43);

        scene.Positioner.Rewind(new Dictionary<KafkaPartition, long?> { [K(A)] = 30 });

        Assert.Multiple(() =>
        {
            Assert.That(scene.Kafka.Seeks, Is.EqualTo(new[] { new TopicPartitionOffset(A, 31) }));
            Assert.That(scene.Held.Count, Is.Zero);
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.Empty, "nothing committed past the loss");
            Assert.That(scene.Book.Expected(A), Is.EqualTo(30));
            Assert.That(scene.Lines(3043), Is.EqualTo(new[]
            {
                "Redis lost acknowledged writes of fb.reply[0]: this consumer recorded offset 41 there, Redis now holds 30 (-1: none); rewound to 31 (dropped 2 held messages)",
            }));
        });
    }

    [Test]
    public async Task Rewind_RedisEmpty_GoesBackToTheEarlierOfWhereItStartedAndKafkasCommit()
    {
        using var scene = new Scene();
        await scene.ResolveFromRedisAsync(A, 41); // started owning A at 42
        await scene.ResolveFromRedisAsync(B, 41);
        scene.Kafka.Commits[A] = 35; // Kafka's commit is earlier
        scene.Kafka.Commits[B] = 50;

        scene.Positioner.Rewind(new Dictionary<KafkaPartition, long?> { [K(A)] = null, [K(B)] = null });

        Assert.Multiple(() =>
        {
            Assert.That(scene.Kafka.Seeks, Is.EquivalentTo(new[] { new TopicPartitionOffset(A, 35), new TopicPartitionOffset(B, 42) }));
            Assert.That(scene.Book.Expected(A), Is.EqualTo(34));
            Assert.That(scene.Book.Expected(B), Is.EqualTo(41));
        });
    }

    [Test]
    public async Task Rewind_SeekFails_LeavesThePartitionToBeResolvedAgain()
    {
        using var scene = new Scene();
        await scene.ResolveFromRedisAsync(A, 41);
        scene.Kafka.FailingSeeks.Add(A);

        scene.Positioner.Rewind(new Dictionary<KafkaPartition, long?> { [K(A)] = 30 });

        Assert.Multiple(() =>
        {
            Assert.That(scene.Book.IsResolved(A), Is.False, "resolved again from Redis's record next turn");
            Assert.That(scene.Book.TakeDue(scene.Time.GetUtcNow(), TimeSpan.Zero), Is.Empty);
            Assert.That(scene.Lines(3044), Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void Rewind_UnresolvedPartition_IsLeftAlone()
    {
        using var scene = new Scene();
        scene.Book.Assigned([A]);

        scene.Positioner.Rewind(new Dictionary<KafkaPartition, long?> { [K(A)] = 30 });

        Assert.Multiple(() =>
        {
            Assert.That(scene.Kafka.Seeks, Is.Empty);
            Assert.That(scene.Lines(3043), Is.Empty);
        });
    }

    [Test]
    public async Task CheckRecorded_RedisStillBehindAfterTheDrain_Rewinds()
    {
        using var scene = new Scene();
        await scene.ResolveFromRedisAsync(A, 41);
        scene.Redis.Records[K(A)] = 30;
        int drains = 0;

        await scene.Positioner.CheckRecordedAsync(_ => { drains++; return Task.CompletedTask; }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(drains, Is.EqualTo(1), "appends in flight are taken back before comparing again");
            Assert.That(scene.Kafka.Seeks, Is.EqualTo(new[] { new TopicPartitionOffset(A, 31) }));
        });
    }

    [Test]
    public async Task CheckRecorded_RedisCaughtUpAfterTheDrain_DoesNotRewind()
    {
        using var scene = new Scene();
        await scene.ResolveFromRedisAsync(A, 41);
        scene.Redis.Records[K(A)] = 30;

        await scene.Positioner.CheckRecordedAsync(_ =>
        {
            scene.Redis.Records[K(A)] = 41; // what was in flight recorded it
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(scene.Kafka.Seeks, Is.Empty);
            Assert.That(scene.Lines(3043), Is.Empty);
        });
    }

    [Test]
    public async Task CheckRecorded_RedisDown_DoesNothing()
    {
        using var scene = new Scene();
        await scene.ResolveFromRedisAsync(A, 41);
        scene.Redis.Down = true;

        await scene.Positioner.CheckRecordedAsync(_ => Task.CompletedTask, CancellationToken.None);

        Assert.That(scene.Kafka.Seeks, Is.Empty);
    }

    private static KafkaPartition K(TopicPartition partition) => PartitionPositions.ToKafka(partition);

    private sealed class Scene : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public Scene()
        {
            var metrics = new IngestionMetrics(_services.GetRequiredService<IMeterFactory>());
            Positioner = new PartitionPositioner(Kafka, Redis, Book, Held, metrics, Time, Logger);
        }

        public FakeKafka Kafka { get; } = new();

        public FakeRedis Redis { get; } = new();

        public PartitionBook Book { get; } = new();

        public HeldMessages Held { get; } = new();

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        public FakeLogger Logger { get; } = new();

        public PartitionPositioner Positioner { get; }

        public List<string> Lines(int eventId) => [.. Logger.Collector.GetSnapshot().Where(r => r.Id.Id == eventId).Select(r => r.Message)];

        public void Hold(TopicPartition partition, params long[] offsets)
        {
            foreach (long offset in offsets)
            {
                Held.Add(new PendingMessage(new ConsumeResult<byte[]?, byte[]?>
                {
                    TopicPartitionOffset = new TopicPartitionOffset(partition, offset),
                    Message = new Message<byte[]?, byte[]?> { Value = [] },
                }));
            }
        }

        /// <summary>Assigns <paramref name="partition"/> and resolves it after Redis's record <paramref name="last"/>; forgets the seek and the waiting offset.</summary>
        public async Task ResolveFromRedisAsync(TopicPartition partition, long last)
        {
            Redis.Records[K(partition)] = last;
            Kafka.Positions[partition] = last + 1;
            Book.Assigned([partition]);
            Assert.That(await Positioner.TryResolveAsync(CancellationToken.None), Is.True);
            Book.TakeDue(Time.GetUtcNow(), TimeSpan.Zero);
            Kafka.Seeks.Clear();
        }

        public void Dispose() => _services.Dispose();
    }

    private sealed class FakeKafka : IKafkaPositions
    {
        public Dictionary<TopicPartition, long> Commits { get; } = [];

        public Dictionary<TopicPartition, long> LogStarts { get; } = [];

        public Dictionary<TopicPartition, long> Positions { get; } = [];

        public HashSet<TopicPartition> FailingSeeks { get; } = [];

        public List<TopicPartitionOffset> Seeks { get; } = [];

        public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) =>
            [.. partitions.Select(p => new TopicPartitionOffset(p, Commits.TryGetValue(p, out long c) ? new Offset(c) : Offset.Unset))];

        public WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout) =>
            new(new Offset(LogStarts.GetValueOrDefault(partition)), new Offset(1_000));

        public Offset Position(TopicPartition partition) => Positions.TryGetValue(partition, out long p) ? new Offset(p) : Offset.Unset;

        public void Seek(TopicPartitionOffset offset)
        {
            if (FailingSeeks.Contains(offset.TopicPartition))
            {
                throw new KafkaException(ErrorCode.Local_State);
            }

            Seeks.Add(offset);
            Positions[offset.TopicPartition] = offset.Offset.Value;
        }
    }

    private sealed class FakeRedis : IRedisOffsets
    {
        public Dictionary<KafkaPartition, long> Records { get; } = [];

        public List<PartitionPosition> RecordedStarts { get; } = [];

        public bool Down { get; set; }

        public Task<IReadOnlyDictionary<KafkaPartition, long?>> ReadAsync(IEnumerable<KafkaPartition> partitions, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            IReadOnlyDictionary<KafkaPartition, long?> read = partitions.Distinct()
                .ToDictionary(p => p, p => Records.TryGetValue(p, out long r) ? r : (long?)null);
            return Task.FromResult(read);
        }

        public Task RecordAsync(IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            RecordedStarts.AddRange(positions);
            foreach (var position in positions)
            {
                Records[position.Partition] = position.Taken;
            }

            return Task.CompletedTask;
        }

        private void ThrowIfDown()
        {
            if (Down)
            {
                throw new BatchStoreUnavailableException("Redis is down (fake)");
            }
        }
    }
}
