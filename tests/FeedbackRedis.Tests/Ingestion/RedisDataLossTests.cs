using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Ingestion;

/// <summary>
/// Redis loses writes it had acknowledged (the last second an <c>appendfsync everysec</c> AOF may lose in a host crash,
/// a restart from an older copy): its AOF is cut back to the length it had after the first events, and Redis restarted.
/// Kafka's commits are by then past everything, so only the offsets recorded in Redis with the events can bring the
/// lost ones back. Each test then drains Redis into the file sink with a flusher process and reads the sink itself.
/// </summary>
public sealed class RedisDataLossTests
{
    private const int Kept = 2_000;
    private const int Lost = 3_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static string EventId(int n) => $"loss-{n}";

    [Test]
    public async Task RunningConsumer_RedisLostAcknowledgedAppends_RewindsAndEveryEventReachesTheSink()
    {
        await using var scene = await Scene.StartAsync();
        await using var host = scene.Consumer();
        await host.StartAsync();
        await scene.AppendKeptThenLostAsync(() => host.LogText);
        await scene.LoseTheLastAppendsAsync(consumerStopped: false);

        // nothing new is produced: only the consumer's comparison with Redis's record can notice the loss
        await scene.WaitForEveryEventInRedisOnceAsync(() => host.LogText);
        Assert.That(host.LogText, Does.Contain("Redis lost acknowledged writes of"), "the loss was noticed and logged");
        await scene.DrainToSinkAndAssertEveryEventAsync();
    }

    [Test]
    public async Task RestartedConsumer_AcrossTheLoss_ResumesFromRedisRecordAndEveryEventReachesTheSink()
    {
        await using var scene = await Scene.StartAsync();
        await using (var first = scene.Consumer())
        {
            await first.StartAsync();
            await scene.AppendKeptThenLostAsync(() => first.LogText);
            await first.StopAsync(); // a graceful stop commits to the end in Kafka
            await scene.Kafka.WaitForCommittedAtEndAsync(Patience);
            await scene.LoseTheLastAppendsAsync(consumerStopped: true);
        }

        await using var second = scene.Consumer();
        await second.StartAsync();
        await scene.WaitForEveryEventInRedisOnceAsync(() => second.LogText);
        Assert.That(second.LogText, Does.Match(@"Positioned [1-9]\d* assigned partitions after the offsets Redis recorded"));
        await scene.DrainToSinkAndAssertEveryEventAsync();
    }

    /// <summary>A Redis with AOF, the mock Kafka cluster, the first events appended and the AOF length noted.</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("feedback-data-loss-").FullName;
        private ConnectionMultiplexer? _redisConnection;
        private long _cut = -1;

        private Scene(RedisServer redis, KafkaTestCluster kafka)
        {
            Redis = redis;
            Kafka = kafka;
        }

        public RedisServer Redis { get; }

        public KafkaTestCluster Kafka { get; }

        private string Prefix => Kafka.Prefix;

        private string SinkPath => Path.Combine(_dir, "feedback.jsonl");

        private IDatabase Db => _redisConnection!.GetDatabase();

        public static async Task<Scene> StartAsync()
        {
            var scene = new Scene(await RedisServer.StartAsync(appendOnly: true), KafkaTestCluster.Start(TestKeys.Prefix(), partitionsPerTopic: 3));
            scene._redisConnection = await ConnectionMultiplexer.ConnectAsync(scene.Redis.ConnectionString);
            return scene;
        }

        public ConsumerHost Consumer() => ConsumerHost.Create(Kafka, Prefix, new Dictionary<string, string?>
        {
            ["Feedback:Redis:ConnectionString"] = Redis.ConnectionString,
            ["Feedback:Redis:EvictionCheck"] = "warn",
            ["Feedback:Batching:BatchTime"] = "00:00:01",
        });

        /// <summary>
        /// Produces the kept events, waits until Redis has them and notes the AOF's length (appendfsync always: every
        /// acknowledged append is in it); produces the rest and waits until Redis has them too and Kafka committed to the end.
        /// </summary>
        public async Task AppendKeptThenLostAsync(Func<string> consumerLog)
        {
            Produce(0, Kept);
            await WaitForPendingAsync(Kept, consumerLog);
            _cut = new FileInfo(Redis.IncrementalAof()).Length;
            Produce(Kept, Lost);
            await WaitForPendingAsync(Kept + Lost, consumerLog);
            await Kafka.WaitForCommittedAtEndAsync(Patience);
        }

        /// <summary>Kills Redis, cuts its AOF back to the length noted after the kept events, and restarts it.</summary>
        public async Task LoseTheLastAppendsAsync(bool consumerStopped)
        {
            await Redis.KillAsync();
            using (var aof = new FileStream(Redis.IncrementalAof(), FileMode.Open, FileAccess.Write))
            {
                Assert.That(aof.Length, Is.GreaterThan(_cut), "the lost appends were in the AOF");
                aof.SetLength(_cut);
            }

            await Redis.RestartAsync();
            await Eventually.WaitAsync(() => _redisConnection!.IsConnected, Patience, "the test's Redis connection is back");
            if (consumerStopped)
            {
                Assert.That(await PendingAsync(), Is.EqualTo(Kept), "Redis came back with the kept events only");
            }
        }

        public Task WaitForPendingAsync(long count, Func<string> log) =>
            Eventually.WaitAsync(async () => await PendingAsync() >= count, Patience, () => $"pending {PendingAsync().Result}\n{log()}");

        public async Task WaitForEveryEventInRedisOnceAsync(Func<string> log)
        {
            await WaitForPendingAsync(Kept + Lost, log);
            var counts = await RedisItems.EventIdCountsAsync(_redisConnection!, Prefix);
            Assert.Multiple(() =>
            {
                Assert.That(counts.Keys, Is.EquivalentTo(Enumerable.Range(0, Kept + Lost).Select(EventId)), "every event, the lost ones read again");
                Assert.That(counts.Values.Where(c => c > 1), Is.Empty, "none twice");
            });
        }

        /// <summary>Runs a flusher process with the file sink until Redis is empty, then reads the sink.</summary>
        public async Task DrainToSinkAndAssertEveryEventAsync()
        {
            await using var flusher = ServiceProcess.Start("flusher", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["FEEDBACK_REDIS_CONNECTION"] = Redis.ConnectionString,
                ["FEEDBACK_REDIS_EVICTION_CHECK"] = "warn",
                ["FEEDBACK_KEY_PREFIX"] = Prefix,
                ["FEEDBACK_BATCHING_MODE"] = "agent",
                ["FEEDBACK_BATCH_TIME_MS"] = "1000",
                ["FEEDBACK_SINK"] = "file",
                ["FEEDBACK_SINK_FILE_PATH"] = SinkPath,
                ["FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"] = Kafka.BootstrapServers,
                ["FEEDBACK_FLUSH_POLL_MS"] = "100",
            });
            await Eventually.WaitAsync(async () => await PendingAsync() == 0, Patience, () => flusher.Log);
            var sink = await FileSinkReader.ReadAsync(SinkPath);
            Assert.That(sink.EventIds, Is.EquivalentTo(Enumerable.Range(0, Kept + Lost).Select(EventId)), "every event reached the sink");
        }

        private async Task<long> PendingAsync() => await RedisItems.PendingAsync(_redisConnection!, Prefix);

        private void Produce(int from, int count)
        {
            for (int n = from; n < from + count; n++)
            {
                string kind = n % 2 == 0 ? FeedbackMessages.Reply : FeedbackMessages.Reaction;
                Kafka.Produce(Kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{n % 20}", EventId(n), n));
            }

            Kafka.Flush();
        }

        public async ValueTask DisposeAsync()
        {
            if (_redisConnection is not null)
            {
                await _redisConnection.DisposeAsync();
            }

            Kafka.Dispose();
            await Redis.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
