using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FeedbackRedis.Configuration;
using FeedbackRedis.Control;
using FeedbackRedis.Items;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.DevTools;

/// <summary>
/// <c>feedback-dev produce</c> (was <c>feedbackctl produce</c>): a load generator. Sends reply and reaction events
/// (schema: docs/EVENTS.md) over many agents with a hot-agent skew, a chosen fraction of them malformed in every way the
/// consumer dead-letters, at a chosen rate, for a count or a duration, with live progress. <c>--manifest</c> writes the
/// id the consumer will give each valid event (its eventId, or <c>sourceId/topic/partition/offset</c> when sent without
/// one, with the source id the consumer uses: <c>FEEDBACK_SOURCE_ID</c>, else the cluster id), so a run can be checked
/// end to end. <c>--hostile</c> mixes in the hostile messages of <see cref="HostileMessages"/> and <c>--giants</c> messages
/// near the consumer's fetch limit; <c>--dead-manifest</c> writes where each message that must be dead-lettered landed
/// and the reason it must get (<c>topic/partition/offset reason kind</c>), so a run can check every dead letter.
/// </summary>
internal static class ProduceCommand
{
    private static readonly string[] Reactions = ["thumbs_up", "thumbs_down", "heart", "laugh", "confused"];

    public static Command Create(DevContext factory)
    {
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Kafka bootstrap servers (default: FEEDBACK_KAFKA_BOOTSTRAP_SERVERS, else localhost:9092)" };
        var count = Bounded("--count", "Events to send, valid and malformed (1 to 10,000,000)", 10_000, 1, 10_000_000);
        var duration = Bounded("--duration-seconds", "Stop after this many seconds even if --count is not reached (1 to 3600)", 3600, 1, 3600);
        var rate = Bounded("--rate", "Events per second; 0 sends as fast as Kafka takes them (0 to 10,000,000)", 0, 0, 10_000_000);
        var agents = Bounded("--agents", "Number of distinct agents (1 to 10,000,000)", 1_000, 1, 10_000_000);
        var skew = Fraction("--hot-share", "Share of events that go to the hottest 1% of agents (0 to 1)", 0.3);
        var malformed = Fraction("--malformed", "Share of events that are malformed, of every kind (0 to 1)", 0.0);
        var reactions = Fraction("--reactions", "Share of valid events that are reactions rather than replies (0 to 1)", 0.4);
        var withoutId = Fraction("--without-event-id", "Share of valid events sent without an eventId (the consumer uses sourceId/topic/partition/offset)", 0.1);
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same events)", DefaultValueFactory = _ => 1 };
        var manifest = new Option<FileInfo?>("--manifest") { Description = "Write the id of every valid event sent, one per line" };
        var tooLarge = Bounded("--too-large-bytes", "Size of the too-large malformed messages; must exceed the consumer's item limit (1,024 to 1,000,000)", 70_000, 1_024, 1_000_000);
        var hostile = Fraction("--hostile", "Share of events that are hostile messages, of every kind (deep JSON, huge strings, invalid UTF-8, lone surrogates, non-finite numbers, duplicate keys, control characters in names, wrong shapes)", 0.0);
        var giants = Bounded("--giants", "Messages of --giant-bytes (too-large) spread evenly over the load (0 to 100)", 0, 0, 100);
        var giantBytes = Bounded("--giant-bytes", "Size of each giant message: near the consumer's 1 MiB partition fetch by default (1,024 to 2,000,000)", 1_000_000, 1_024, 2_000_000);
        var deadManifest = new Option<FileInfo?>("--dead-manifest") { Description = "Write 'topic/partition/offset reason kind' for every message that must be dead-lettered" };
        var command = new Command("produce", "Load generator: feedback events to Kafka, with skew, malformed and hostile messages, live progress.")
        {
            bootstrap, count, duration, rate, agents, skew, malformed, reactions, withoutId, seed, manifest, tooLarge, hostile, giants, giantBytes,
            deadManifest,
        };
        command.Validators.Add(r =>
        {
            double m = r.GetValue(malformed), h = r.GetValue(hostile);
            if (m is >= 0 and <= 1 && h is >= 0 and <= 1 && m + h > 1)
            {
                r.AddError("--malformed and --hostile must add up to at most 1");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var kafka = new ConfigurationBuilder().AddFeedbackEnvironment().Build()
                .GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
            if (parse.GetValue(bootstrap) is { } servers)
            {
                kafka.BootstrapServers = servers;
            }

            var plan = new LoadPlan(
                parse.GetValue(count), TimeSpan.FromSeconds(parse.GetValue(duration)), parse.GetValue(rate), parse.GetValue(agents),
                parse.GetValue(skew), parse.GetValue(malformed), parse.GetValue(reactions), parse.GetValue(withoutId), parse.GetValue(seed),
                parse.GetValue(tooLarge), parse.GetValue(hostile), parse.GetValue(giants), parse.GetValue(giantBytes));
            var result = await RunAsync(kafka, plan, parse.GetValue(manifest), parse.GetValue(deadManifest), factory.Error, cancellationToken);
            bool json = parse.GetValue(factory.Json);
            if (json)
            {
                await factory.Output.WriteLineAsync(JsonSerializer.Serialize(result, CtlContext.JsonOptions));
            }
            else
            {
                await factory.Output.WriteLineAsync(
                    $"sent {result.Sent:N0} events in {result.Seconds:0.0} s ({result.Sent / Math.Max(result.Seconds, 0.001):N0}/s): "
                    + $"{result.Valid:N0} valid ({result.Replies:N0} replies, {result.Reactions:N0} reactions), {result.Malformed:N0} malformed "
                    + $"({result.Hostile:N0} of them hostile), {result.Failed:N0} not delivered");
                foreach (var (kind, n) in result.MalformedByKind.OrderBy(k => k.Key, StringComparer.Ordinal))
                {
                    await factory.Output.WriteLineAsync($"  dead-letter reason {kind}: {n:N0}");
                }

                foreach (var (kind, n) in result.HostileByKind.OrderBy(k => k.Key, StringComparer.Ordinal))
                {
                    await factory.Output.WriteLineAsync($"  hostile {kind}: {n:N0}");
                }
            }

            return result.Failed == 0 ? CtlExit.Ok : CtlExit.Failed;
        });
        return command;
    }

    private sealed record LoadPlan(
        int Count, TimeSpan Duration, int Rate, int Agents, double HotShare, double Malformed, double Reactions, double WithoutId, int Seed,
        int TooLargeBytes, double Hostile, int Giants, int GiantBytes);

    /// <summary>
    /// What was sent; <see cref="Valid"/> events are in the manifest. <see cref="MalformedByKind"/> counts every message
    /// that must be dead-lettered (hostile and giant ones too) by the reason it must get; <see cref="HostileByKind"/>
    /// counts the hostile and giant ones by kind.
    /// </summary>
    public sealed record ProduceResult(
        long Sent, long Valid, long Replies, long Reactions, long Malformed, long Failed, double Seconds, IReadOnlyDictionary<string, long> MalformedByKind,
        long Hostile, IReadOnlyDictionary<string, long> HostileByKind);

    private static async Task<ProduceResult> RunAsync(
        KafkaOptions kafka, LoadPlan plan, FileInfo? manifest, FileInfo? deadManifest, TextWriter progress, CancellationToken cancellationToken)
    {
        var config = new ProducerConfig(kafka.ClientSettings())
        {
            LingerMs = 5,
            BatchNumMessages = 10_000,
            EnableIdempotence = true,
            Acks = Acks.All,
            MessageMaxBytes = 2_000_000,
        };
        string? sourceId = manifest is null || plan.WithoutId <= 0 ? null : await SourceIdAsync(kafka, cancellationToken);
        using var producer = new ProducerBuilder<string?, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        using var writer = manifest is null ? null : new StreamWriter(manifest.FullName, append: false, Encoding.UTF8);
        using var deadWriter = deadManifest is null ? null : new StreamWriter(deadManifest.FullName, append: false, new UTF8Encoding(false));
        var random = new Random(plan.Seed);
        var malformedByKind = new Dictionary<string, long>(StringComparer.Ordinal);
        var hostileByKind = new Dictionary<string, long>(StringComparer.Ordinal);
        // The giants replace the events at evenly spread positions (drawing nothing from the random sequence).
        var giantAt = Enumerable.Range(1, plan.Giants).Select(k => k * (long)plan.Count / (plan.Giants + 1)).ToHashSet();
        // A hostile message takes the place of a valid one: with --hostile 0 the same seed sends the same events as before.
        double hostileOfValid = plan.Hostile <= 0 ? 0 : plan.Hostile / Math.Max(1 - plan.Malformed, 1e-9);
        long hostileSent = 0;
        long sent = 0, valid = 0, replies = 0, reactions = 0, failed = 0, delivered = 0;
        var manifestLock = new Lock();
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        int hot = Math.Max(1, plan.Agents / 100);
        string run = plan.Seed.ToString(CultureInfo.InvariantCulture);

        for (long i = 0; i < plan.Count && clock.Elapsed < plan.Duration && !cancellationToken.IsCancellationRequested; i++)
        {
            if (plan.Rate > 0 && sent > plan.Rate * clock.Elapsed.TotalSeconds)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
            }

            int agent = random.NextDouble() < plan.HotShare ? random.Next(hot) : random.Next(plan.Agents);
            bool reaction = random.NextDouble() < plan.Reactions;
            string topic = reaction ? kafka.ReactionTopic : kafka.ReplyTopic;
            byte[] value;
            bool isValid = random.NextDouble() >= plan.Malformed;
            string? eventId = null;
            string? deadKind = null, deadReason = null;
            bool isHostile = false;
            if (giantAt.Contains(i))
            {
                isValid = false;
                (deadReason, value) = HostileMessages.Giant(i, plan.GiantBytes);
                deadKind = HostileMessages.GiantKind;
                isHostile = true;
            }
            else if (isValid && hostileOfValid > 0 && random.NextDouble() < hostileOfValid)
            {
                isValid = false;
                deadKind = HostileMessages.Kinds[random.Next(HostileMessages.Kinds.Count)];
                isHostile = true;
                (deadReason, value) = HostileMessages.Make(deadKind, random, i, reaction, plan.TooLargeBytes);
            }
            else if (isValid)
            {
                eventId = random.NextDouble() < plan.WithoutId ? null : $"load-{run}-{i}";
                value = Encoding.UTF8.GetBytes(ValidEvent(eventId, $"agent-{agent}", i, reaction, random));
                valid++;
                if (reaction)
                {
                    reactions++;
                }
                else
                {
                    replies++;
                }
            }
            else
            {
                (deadReason, string text) = MalformedEvent(random, i, reaction, plan.TooLargeBytes);
                value = Encoding.UTF8.GetBytes(text);
                deadKind = deadReason;
            }

            if (deadReason is not null)
            {
                malformedByKind[deadReason] = malformedByKind.GetValueOrDefault(deadReason) + 1;
                if (isHostile)
                {
                    hostileByKind[deadKind!] = hostileByKind.GetValueOrDefault(deadKind!) + 1;
                    hostileSent++;
                }
            }

            string deadLine = deadReason is null ? "" : $"\t{deadReason}\t{deadKind}";

            bool recordCoordinates = isValid && eventId is null && writer is not null;
            if (isValid && eventId is not null && writer is not null)
            {
                lock (manifestLock)
                {
                    writer.WriteLine(eventId);
                }
            }

            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<string?, byte[]> { Value = value }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                            return;
                        }

                        Interlocked.Increment(ref delivered);
                        if (recordCoordinates)
                        {
                            lock (manifestLock)
                            {
                                writer!.WriteLine(EventIds.Fallback(sourceId!, report.Topic, report.Partition.Value, report.Offset.Value));
                            }
                        }
                        else if (deadLine.Length > 0 && deadWriter is not null)
                        {
                            lock (manifestLock)
                            {
                                deadWriter.WriteLine($"{report.Topic}/{report.Partition.Value}/{report.Offset.Value}{deadLine}");
                            }
                        }
                    });
                    break;
                }
                catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }

            sent++;
            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(1))
            {
                lastReport = clock.Elapsed;
                await progress.WriteLineAsync(
                    $"produce: {sent:N0}/{plan.Count:N0} sent, {Interlocked.Read(ref delivered):N0} delivered, {sent / clock.Elapsed.TotalSeconds:N0}/s");
            }
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        long undelivered = sent - Interlocked.Read(ref delivered) - Interlocked.Read(ref failed);
        return new ProduceResult(
            sent, valid, replies, reactions, sent - valid, Interlocked.Read(ref failed) + undelivered, clock.Elapsed.TotalSeconds, malformedByKind,
            hostileSent, hostileByKind);
    }

    /// <summary>The source id the consumer gives fallback ids: <c>FEEDBACK_SOURCE_ID</c>, else the Kafka cluster id.</summary>
    private static async Task<string> SourceIdAsync(KafkaOptions kafka, CancellationToken cancellationToken)
    {
        try
        {
            return kafka.SourceId.Length > 0
                ? kafka.SourceId
                : await SourceIds.FetchClusterIdAsync(kafka, TimeProvider.System, SourceIdResolver.Budget, cancellationToken);
        }
        catch (SourceIdUnavailableException ex)
        {
            throw new CtlUsageException($"--manifest needs the source id of fallback event ids: {ex.Message}");
        }
    }

    private static string ValidEvent(string? eventId, string agentId, long n, bool reaction, Random random)
    {
        var json = new StringBuilder(256).Append('{');
        if (eventId is not null)
        {
            json.Append("\"eventId\":\"").Append(eventId).Append("\",");
        }

        json.Append("\"agentId\":\"").Append(agentId).Append("\",\"messageId\":\"msg-").Append(n)
            .Append("\",\"conversationId\":\"conv-").Append(n % 9973).Append("\",\"userId\":\"user-").Append(random.Next(100_000))
            .Append("\",\"occurredAt\":\"").Append(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000 + n).ToString("O", CultureInfo.InvariantCulture)).Append('"');
        json.Append(reaction
            ? $",\"reaction\":\"{Reactions[random.Next(Reactions.Length)]}\"}}"
            : $",\"text\":\"Thanks, that answer {(random.Next(2) == 0 ? "helped" : "was wrong")} (#{n})\"}}");
        return json.ToString();
    }

    /// <summary>One malformed message of a random kind, named as the consumer's dead-letter reasons name them.</summary>
    private static (string Kind, string Value) MalformedEvent(Random random, long n, bool reaction, int tooLargeBytes) => random.Next(7) switch
    {
        0 => ("not-json", $"not json at all #{n}"),
        1 => ("wrong-shape", $"[\"an\",\"array\",{n}]"),
        // The agent kinds carry the payload their topic needs: without it the consumer names the shape first.
        2 => ("invalid-agent-id", $"{{\"eventId\":\"bad-{n}\",{Payload(reaction)}}}"),
        3 => ("invalid-agent-id", $"{{\"eventId\":\"bad-{n}\",\"agentId\":\"agent with spaces:{n}\",{Payload(reaction)}}}"),
        4 => ("too-large", $"{{\"eventId\":\"bad-{n}\",\"agentId\":\"agent-1\",\"text\":\"{new string('x', tooLargeBytes)}\"}}"),
        5 => ("unsupported-version", $"{{\"version\":99,\"eventId\":\"bad-{n}\",\"agentId\":\"agent-1\",\"text\":\"x\"}}"),
        _ => ("wrong-shape", reaction ? $"{{\"agentId\":\"agent-1\",\"reaction\":42,\"eventId\":\"bad-{n}\"}}" : $"{{\"agentId\":\"agent-1\",\"text\":{{}},\"eventId\":\"bad-{n}\"}}"),
    };

    private static string Payload(bool reaction) => reaction ? "\"reaction\":\"heart\"" : "\"text\":\"no agent\"";

    private static Option<int> Bounded(string name, string description, int fallback, int min, int max)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < min || r.GetValueOrDefault<int>() > max)
            {
                r.AddError($"{name} must be from {min} to {max}");
            }
        });
        return option;
    }

    private static Option<double> Fraction(string name, string description, double fallback)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 1 or double.NaN)
            {
                r.AddError($"{name} must be from 0 to 1");
            }
        });
        return option;
    }
}
