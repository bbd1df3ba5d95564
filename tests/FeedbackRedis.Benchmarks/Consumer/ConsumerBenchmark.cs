using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;

namespace FeedbackRedis.Benchmarks.Consumer;

/// <summary>
/// Consumer throughput into Redis against a bare Confluent.Kafka consumer reading the same topic, in the same run, with 1
/// and 2 processes each. Everything runs on this machine: a librdkafka mock cluster in this process (TCP on loopback), a
/// private redis-server, and the consumer processes (the real service, <c>--role consumer</c>, default settings).
/// Rate = events consumed between the first and the last observation (polled every 20 ms: the bare processes' progress
/// lines, the pipeline's pending counter in Redis) divided by the time between them; process start and group join are
/// not counted. Bounded: at most --events events and --timeout seconds per run.
/// </summary>
internal static class ConsumerBenchmark
{
    private const int MockPartitionMessages = 15_000;

    /// <summary>Events that must have arrived before timing starts (0: from the first).</summary>
    private static int MeasureFrom { get; set; } // the mock keeps 5 MiB per partition; ~180-byte events plus record overhead

    public static async Task<int> RunAsync(string[] args)
    {
        int events = Arg(args, "--events", 240_000);
        int partitions = Arg(args, "--partitions", 16);
        int agents = Arg(args, "--agents", 1_000);
        int repeat = Arg(args, "--repeat", 1);
        // --steady: time and CPU are counted from the moment a third of the events arrived, so the processes' start-up
        // (JIT: the tiered compiler's thread took more CPU than the loop in a 30 s run on a loaded machine) is left out.
        bool steady = args.Contains("--steady");
        MeasureFrom = steady ? events / 3 : 0;
        var timeout = TimeSpan.FromSeconds(Arg(args, "--timeout", 120));
        var serviceEnvironment = args.Select((a, i) => (a, i)).Where(x => x.a == "--env" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        int[] processCounts = [.. ArgText(args, "--processes", "1,2").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        if (events > partitions * MockPartitionMessages)
        {
            Console.Error.WriteLine($"--events {events} over --partitions {partitions} exceeds the mock cluster's per-partition limit; use at most {partitions * MockPartitionMessages}.");
            return 2;
        }

        Console.WriteLine($"# consumer benchmark: {events:N0} events, {partitions} partitions, {agents:N0} agents, processes {string.Join(",", processCounts)}, repeat {repeat}");
        Console.WriteLine($"# measured {(steady ? "from a third of the events on (--steady: steady state, start-up and JIT left out)" : "from the first event on")}");
        Console.WriteLine($"# service settings: {(serviceEnvironment.Count == 0 ? "defaults" : string.Join(" ", serviceEnvironment.Select(e => $"{e.Key}={e.Value}")))}");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");

        await using var redis = await BenchRedis.StartAsync();
        using var cluster = MockKafkaCluster.Start(3);
        // All processes of a run join one generation: on a loaded 2-core machine two or three .NET processes can start
        // more than 3 s apart, and a late joiner costs a cooperative rebalance in the middle of the measurement.
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.FromSeconds(Arg(args, "--join-delay", 8)));
        const string reply = "bench.feedback.reply.received", reaction = "bench.feedback.reaction.received", dlq = "bench.feedback.dlq",
            flushed = "bench.feedback.batch.flushed";
        cluster.CreateTopic(reply, partitions);
        cluster.CreateTopic(reaction, 1);
        cluster.CreateTopic(dlq, 1);
        cluster.CreateTopic(flushed, 1);
        var produced = Produce(cluster.BootstrapServers, reply, partitions, events, agents);
        Console.WriteLine($"# produced {events:N0} events ({produced.Bytes / events} bytes each) in {produced.Elapsed.TotalSeconds:0.00} s");
        if (!AllRetained(cluster.BootstrapServers, reply, partitions, events))
        {
            Console.Error.WriteLine("the mock cluster dropped old messages (per-partition limit): use fewer --events or more --partitions");
            return 2;
        }

        // --compare DIR (named "before") or --compare NAME=DIR, repeatable: other builds of the service (another commit, or the
        // same build with another runtimeconfig.json), run in the same run against the same topic.
        var compares = args.Select((a, i) => (a, i)).Where(x => x.a == "--compare" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2) is [var name, var dir] ? (Name: name, Dir: Path.GetFullPath(dir)) : (Name: "before", Dir: Path.GetFullPath(args[x.i + 1])))
            .ToList();
        foreach (var (name, dir) in compares)
        {
            if (!File.Exists(Path.Combine(dir, "feedback-redis.dll")))
            {
                Console.Error.WriteLine($"--compare {name}={dir}: no feedback-redis.dll there");
                return 2;
            }
        }

        bool compare = compares.Count > 0;
        bool e2e = args.Contains("--e2e");
        if (e2e)
        {
            serviceEnvironment.TryAdd("FEEDBACK_BATCH_TIME_MS", "1000"); // the issue's end-to-end run; consumers and flusher agree
        }
        var variants = new List<(string Mode, string ServiceDir)> { (e2e ? "e2e" : "pipeline", AppContext.BaseDirectory) };
        foreach (var (name, dir) in compares)
        {
            variants.Add((e2e ? $"e2e-{name}" : name, dir)); // another build of the service, same run, same topic
        }

        var results = new List<Result>();
        int run = 0;
        foreach (int processes in processCounts)
        {
            for (int r = 0; r < repeat; r++)
            {
                run++;
                var bare = await MeasureAsync(
                    "bare", processes, events, timeout,
                    () => [.. Enumerable.Range(0, processes).Select(_ => StartBare(cluster.BootstrapServers, $"bare-{run}", $"{reply},{reaction}", timeout))],
                    counts => counts.Sum(), redis);
                results.Add(bare);
                Report(bare, null);

                foreach (var (mode, serviceDir) in variants)
                {
                    run++;
                    string prefix = $"bench{run}";
                    var topics = new BenchTopics(cluster.BootstrapServers, $"{mode}-{run}", reply, reaction, dlq, flushed, redis.ConnectionString, prefix);
                    string sinkFile = Path.Combine(Path.GetTempPath(), $"bench-e2e-{Environment.ProcessId}-{run}.jsonl");
                    var sinkLines = new LineCounter(sinkFile);
                    try
                    {
                        var pipeline = await MeasureAsync(
                            mode, processes, events, timeout,
                            () => [.. Enumerable.Range(0, processes).Select(_ => StartService(serviceDir, "consumer", topics, serviceEnvironment)),
                                .. e2e ? [StartService(serviceDir, "flusher", topics, Flusher(serviceEnvironment, sinkFile))] : Array.Empty<Child>()],
                            _ => e2e ? sinkLines.Count() : Pending(redis, prefix), redis);
                        results.Add(pipeline);
                        Report(pipeline, bare);
                        long arrived = e2e ? sinkLines.Count() : Pending(redis, prefix);
                        if (arrived != events)
                        {
                            Console.Error.WriteLine($"{mode} run left {arrived:N0} events in {(e2e ? "the sink" : "Redis")}, expected {events:N0}");
                            return 1;
                        }
                    }
                    finally
                    {
                        File.Delete(sinkFile);
                    }

                    await redis.Connection.GetServers()[0].FlushAllDatabasesAsync();
                }
            }
        }

        if (compare || e2e)
        {
            Console.WriteLine();
            Console.WriteLine("| processes | mode | bare events/s | events/s | ratio (/bare) | first event after start s | consumer CPU-us/event | redis CPU-us/event |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var group in results.GroupBy(r => r.Processes))
            {
                double bare = Median(group.Where(r => r.Mode == "bare").Select(r => r.Rate));
                foreach (var mode in group.Where(r => r.Mode != "bare").GroupBy(r => r.Mode))
                {
                    double rate = Median(mode.Select(r => r.Rate));
                    double first = Median(mode.Select(r => r.FirstAfter.TotalSeconds));
                    double consumerCpu = Median(mode.Select(r => r.Cpu.Consumers * 1e6 / Math.Max(r.Measured, 1)));
                    double redisCpu = Median(mode.Select(r => r.Cpu.Redis * 1e6 / Math.Max(r.Measured, 1)));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {group.Key} | {mode.Key} | {bare:N0} | {rate:N0} | {rate / bare:0.00} | {first:0.0} | {consumerCpu:0.0} | {redisCpu:0.0} |"));
                }
            }

            return 0;
        }

        Console.WriteLine();
        Console.WriteLine("| processes | bare events/s | pipeline events/s | pipeline per process | ratio (pipeline/bare) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var group in results.GroupBy(r => r.Processes))
        {
            double bare = Median(group.Where(r => r.Mode == "bare").Select(r => r.Rate));
            double pipe = Median(group.Where(r => r.Mode == "pipeline").Select(r => r.Rate));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {bare:N0} | {pipe:N0} | {pipe / group.Key:N0} | {pipe / bare:0.00} |"));
        }

        return 0;
    }

    private sealed record Result(string Mode, int Processes, double Rate, TimeSpan Elapsed, long Events, bool TimedOut)
    {
        /// <summary>Events arrived while time and CPU were counted.</summary>
        public long Measured { get; init; }

        /// <summary>From starting the processes to the first event observed.</summary>
        public TimeSpan FirstAfter { get; init; }

        /// <summary>CPU seconds used during the measurement by the consumer processes, redis-server and this process (the mock brokers).</summary>
        public (double Consumers, double Redis, double Brokers) Cpu { get; init; }
    }

    /// <summary>Starts the processes, polls their total every 20 ms and times first-to-last progress.</summary>
    private static async Task<Result> MeasureAsync(
        string mode, int processes, int events, TimeSpan timeout, Func<List<Child>> start, Func<long[], long> total, BenchRedis redis)
    {
        var children = start();
        var self = Process.GetCurrentProcess();
        (TimeSpan Consumers, TimeSpan Redis, TimeSpan Brokers) cpuAtFirst = default;
        (double, double, double) CpuSince() => (
            (children.Sum(c => c.Cpu.TotalSeconds)) - cpuAtFirst.Consumers.TotalSeconds,
            (redis.Cpu - cpuAtFirst.Redis).TotalSeconds,
            (self.TotalProcessorTime - cpuAtFirst.Brokers).TotalSeconds);
        try
        {
            var clock = Stopwatch.StartNew();
            TimeSpan? first = null;
            long atFirst = 0;
            long count = 0;
            while (clock.Elapsed < timeout)
            {
                count = total([.. children.Select(c => c.Progress)]);
                if (count > Math.Max(0, MeasureFrom - 1) && first is null)
                {
                    first = clock.Elapsed;
                    atFirst = count;
                    self.Refresh();
                    cpuAtFirst = (TimeSpan.FromSeconds(children.Sum(c => c.Cpu.TotalSeconds)), redis.Cpu, self.TotalProcessorTime);
                }

                if (count >= events)
                {
                    var elapsed = clock.Elapsed - first!.Value;
                    self.Refresh();
                    var cpu = CpuSince();
                    await Task.Delay(500); // anything more than the events (a re-read after a rebalance) shows in the count
                    count = total([.. children.Select(c => c.Progress)]);
                    return new Result(mode, processes, (events - atFirst) / Math.Max(elapsed.TotalSeconds, 0.001), elapsed, count, false)
                    {
                        Cpu = cpu,
                        Measured = events - atFirst,
                        FirstAfter = first.Value,
                    };
                }

                await Task.Delay(20);
            }

            var partial = clock.Elapsed - (first ?? TimeSpan.Zero);
            return new Result(mode, processes, (count - atFirst) / Math.Max(partial.TotalSeconds, 0.001), partial, count, true) { Measured = count - atFirst };
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    private static void Report(Result result, Result? bare)
    {
        string ratio = bare is null ? "" : string.Create(CultureInfo.InvariantCulture, $", {result.Rate / bare.Rate:0.00} x bare");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Mode,-9} {result.Processes} process(es): {result.Events:N0} events in {result.Elapsed.TotalSeconds:0.00} s = {result.Rate:N0} events/s ({result.Rate / result.Processes:N0} per process){ratio}{(result.TimedOut ? "  TIMED OUT" : "")}"));
        var (consumers, redis, brokers) = result.Cpu;
        double seconds = Math.Max(result.Elapsed.TotalSeconds, 0.001);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"          CPU during it (cores busy): consumers {consumers / seconds:0.00}, redis-server {redis / seconds:0.00}, mock brokers {brokers / seconds:0.00}; {(consumers + redis + brokers) * 1e6 / Math.Max(result.Measured, 1):0.0} CPU-us per event"));
    }

    private static long Pending(BenchRedis redis, string prefix)
    {
        var value = redis.Connection.GetDatabase().StringGet($"{prefix}:pending");
        return value.IsNullOrEmpty ? 0 : (long)value;
    }

    /// <summary>Round-robin over the partitions (unkeyed messages would stick to one partition for a while).</summary>
    private static (TimeSpan Elapsed, long Bytes) Produce(string bootstrap, string topic, int partitions, int events, int agents)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, Acks = Acks.All }).Build();
        var clock = Stopwatch.StartNew();
        long bytes = 0;
        for (int n = 0; n < events; n++)
        {
            byte[] value = JsonSerializer.SerializeToUtf8Bytes(new
            {
                eventId = $"b-{n}",
                agentId = $"agent-{n % agents}",
                messageId = $"m-{n}",
                conversationId = $"c-{n % 9_973}",
                userId = $"u-{n % 1_009}",
                text = $"reply number {n}, thanks",
                occurredAt = "2026-11-23T12:00:00Z",
            });
            bytes += value.Length;
            while (true)
            {
                try
                {
                    producer.Produce(new TopicPartition(topic, n % partitions), new Message<byte[]?, byte[]?> { Value = value });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        if (producer.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("the benchmark's events were not all delivered to the mock cluster");
        }

        return (clock.Elapsed, bytes);
    }

    /// <summary>True when every partition still starts at offset 0 and all events are there (the mock drops old data silently).</summary>
    private static bool AllRetained(string bootstrap, string topic, int partitions, int events)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-watermarks" }).Build();
        long total = 0;
        for (int p = 0; p < partitions; p++)
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            if (marks.Low.Value != 0)
            {
                Console.Error.WriteLine($"partition {p}: low watermark {marks.Low.Value}, high {marks.High.Value}");
                return false;
            }

            total += marks.High.Value;
        }

        if (total != events)
        {
            Console.Error.WriteLine($"{total:N0} messages in the topic, {events:N0} produced");
        }

        return total == events;
    }

    private static Child StartBare(string bootstrap, string group, string topics, TimeSpan timeout)
    {
        string self = typeof(ConsumerBenchmark).Assembly.Location;
        return Child.Start(["exec", self, "consumer-bare", bootstrap, group, topics, timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)], new Dictionary<string, string>());
    }

    /// <summary>Where one pipeline run reads, writes and keeps its keys.</summary>
    private sealed record BenchTopics(string Bootstrap, string Group, string Reply, string Reaction, string DeadLetters, string Flushed, string Redis, string Prefix);

    /// <summary>The flusher of an end-to-end run: file sink, the issue's batch time and poll (unless given).</summary>
    private static Dictionary<string, string> Flusher(Dictionary<string, string> extra, string sinkFile) => new(extra)
    {
        ["FEEDBACK_SINK"] = "file",
        ["FEEDBACK_SINK_FILE_PATH"] = sinkFile,
        ["FEEDBACK_BATCH_TIME_MS"] = extra.GetValueOrDefault("FEEDBACK_BATCH_TIME_MS", "1000"),
        ["FEEDBACK_FLUSH_POLL_MS"] = extra.GetValueOrDefault("FEEDBACK_FLUSH_POLL_MS", "100"),
    };

    private static Child StartService(string serviceDir, string role, BenchTopics topics, Dictionary<string, string> extra)
    {
        string service = Path.Combine(serviceDir, "feedback-redis.dll");
        return Child.Start(["exec", service, "--role", role], new Dictionary<string, string>(extra)
        {
            ["FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"] = topics.Bootstrap,
            ["FEEDBACK_KAFKA_GROUP_ID"] = topics.Group,
            ["FEEDBACK_TOPIC_REPLY"] = topics.Reply,
            ["FEEDBACK_TOPIC_REACTION"] = topics.Reaction,
            ["FEEDBACK_TOPIC_DLQ"] = topics.DeadLetters,
            ["FEEDBACK_TOPIC_FLUSHED"] = topics.Flushed,
            ["FEEDBACK_REDIS_CONNECTION"] = topics.Redis,
            ["FEEDBACK_KEY_PREFIX"] = topics.Prefix,
            ["FEEDBACK_REDIS_PERSISTENCE_CHECK"] = "warn", // the benchmark's Redis persists nothing on purpose (BenchRedis)
            ["FEEDBACK_HTTP_PORT"] = "0", // several service processes on one machine: each takes a free port
            ["FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS"] = "10000", // as the bare consumer: a stalled group sync costs 10 s, not 45
            ["Logging__LogLevel__Default"] = "Warning",
        });
    }

    /// <summary>Counts the lines (events) the file sink has written so far, reading only what was added since the last call.</summary>
    private sealed class LineCounter(string path)
    {
        private long _read;
        private long _lines;
        private readonly byte[] _buffer = new byte[1 << 16];

        public long Count()
        {
            if (!File.Exists(path))
            {
                return 0;
            }

            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                file.Seek(_read, SeekOrigin.Begin);
                int n;
                while ((n = file.Read(_buffer, 0, _buffer.Length)) > 0)
                {
                    _lines += _buffer.AsSpan(0, n).Count((byte)'\n');
                    _read += n;
                }
            }
            catch (IOException)
            {
                // the sink holds the file's lock for an append right now (.NET maps FileShare to flock): read it next time
            }

            return _lines;
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private static int Arg(string[] args, string name, int fallback) =>
        int.Parse(ArgText(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string ArgText(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
