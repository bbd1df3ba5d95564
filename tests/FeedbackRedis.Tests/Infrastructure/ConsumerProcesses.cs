using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// Real <c>feedback-redis --role consumer</c> processes for one test: a mock Kafka cluster in the test process, a key
/// prefix in Redis, and the <c>FEEDBACK_*</c> environment they share. Disposing kills what still runs.
/// </summary>
public sealed partial class ConsumerProcesses : IAsyncDisposable
{
    private readonly List<ServiceProcess> _started = [];
    private readonly Dictionary<string, string> _environment;

    public ConsumerProcesses(KafkaTestCluster kafka, string redisConnection, IConnectionMultiplexer redis, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        Kafka = kafka;
        Redis = redis;
        _environment = new Dictionary<string, string>(kafka.Environment())
        {
            ["FEEDBACK_REDIS_CONNECTION"] = redisConnection,
            ["FEEDBACK_KEY_PREFIX"] = kafka.Prefix,
            ["FEEDBACK_BATCHING_MODE"] = "agent",
            ["FEEDBACK_BATCH_SIZE"] = "100000",
            ["FEEDBACK_MAX_BATCHES"] = "100000",
            ["FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS"] = "6000",
            ["FEEDBACK_CONSUMER_COMMIT_INTERVAL_MS"] = "500",
            ["FEEDBACK_SHUTDOWN_TIMEOUT_MS"] = "20000",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__LogLevel__Microsoft"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _environment[key] = value;
        }
    }

    public KafkaTestCluster Kafka { get; }

    public IConnectionMultiplexer Redis { get; }

    public string Prefix => Kafka.Prefix;

    /// <summary>Every process started, including killed ones, for their logs.</summary>
    public IReadOnlyList<ServiceProcess> All => _started;

    public ServiceProcess Start()
    {
        var process = ServiceProcess.Start("consumer", _environment);
        _started.Add(process);
        return process;
    }

    /// <summary>Starts <paramref name="count"/> consumers and waits until each holds partitions.</summary>
    public async Task<List<ServiceProcess>> StartAndWaitForAssignmentAsync(int count)
    {
        var processes = Enumerable.Range(0, count).Select(_ => Start()).ToList();
        foreach (var process in processes)
        {
            await process.WaitForLogAsync("Partitions assigned", TimeSpan.FromSeconds(60));
        }

        return processes;
    }

    public Task<long> PendingAsync() => RedisItems.PendingAsync(Redis, Prefix);

    /// <summary>Waits until Redis holds at least <paramref name="count"/> events.</summary>
    public Task WaitForPendingAsync(long count, TimeSpan timeout) =>
        Eventually.WaitAsync(async () => await PendingAsync() >= count, timeout, () => $"{count} events in Redis\n{Logs()}", TimeSpan.FromMilliseconds(50));

    /// <summary>
    /// The end state every test wants: committed offsets at the end of every partition, then each of
    /// <paramref name="expectedIds"/> exactly once in Redis (open or sealed) and nothing else.
    /// </summary>
    public async Task AssertEveryEventExactlyOnceAsync(IReadOnlyCollection<string> expectedIds, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(expectedIds);
        await WaitForPendingAsync(expectedIds.Count, timeout);
        await Kafka.WaitForCommittedAtEndAsync(timeout);
        var counts = await RedisItems.EventIdCountsAsync(Redis, Prefix);
        var missing = expectedIds.Where(id => !counts.ContainsKey(id)).Take(10).ToList();
        var twice = counts.Where(c => c.Value > 1).Take(10).Select(c => $"{c.Key} x{c.Value}").ToList();
        if (twice.Count > 0)
        {
            var where = (await RedisItems.ItemsAsync(Redis, Prefix))
                .Select(i => System.Text.Json.JsonDocument.Parse(i).RootElement)
                .Where(i => counts[i.GetProperty("eventId").GetString()!] > 1)
                .Select(i => $"{i.GetProperty("eventId").GetString()} {i.GetProperty("topic").GetString()}[{i.GetProperty("partition").GetInt32()}]@{i.GetProperty("offset").GetInt64()}")
                .Order()
                .ToList();
            TestContext.Out.WriteLine($"{where.Count} duplicated items, e.g.:\n" + string.Join("\n", where.Take(40)));
            TestContext.Out.WriteLine(string.Join("\n", where.GroupBy(w => w.Split(' ')[1].Split('@')[0]).Select(g => $"{g.Key}: {g.Count()} items, offsets {g.Min(x => long.Parse(x.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture))}..{g.Max(x => long.Parse(x.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture))}")));
        }

        var unexpected = counts.Keys.Except(expectedIds).Take(10).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(missing, Is.Empty, "missing from Redis");
            Assert.That(twice, Is.Empty, "in Redis more than once");
            Assert.That(unexpected, Is.Empty, "in Redis but never valid");
            Assert.That(counts, Has.Count.EqualTo(expectedIds.Count));
        });
    }

    /// <summary>Redelivered events the consumers skipped as already appended (the duplicate guard), summed from every log.</summary>
    public long DuplicatesSkipped() =>
        _started.Sum(p => SkippedPattern().Matches(p.Log).Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Appends retried after a failed attempt (whose first try Redis may have taken), counted from every log.</summary>
    public long AppendRetries() => _started.Sum(p => RetryPattern().Count(p.Log));

    /// <summary>Every process's log, for failure messages.</summary>
    public string Logs() => string.Join("\n", _started.Select((p, i) => $"--- consumer {i} (pid {p.Id}, exited: {p.HasExited}) ---\n{Tail(p.Log)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _started)
        {
            await process.DisposeAsync();
        }
    }

    private static string Tail(string log) => log.Length <= 6000 ? log : "...\n" + log[^6000..];

    [GeneratedRegex(@"Skipped (\d+) of \d+ events already appended")]
    private static partial Regex SkippedPattern();

    [GeneratedRegex(@"Append retry \d+ in")]
    private static partial Regex RetryPattern();
}
