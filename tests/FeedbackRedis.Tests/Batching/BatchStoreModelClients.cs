using System.Text.Json;
using FeedbackRedis.Batching;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Batching;

/// <summary>The settings one generated sequence runs with (the mode and layout come from the test case).</summary>
internal sealed record ModelSettings(
    int BatchSize, int MaxOpenBatches, int GlobalTrigger, int MaxAttempts, int GlobalLanes, int Consumers, int Flushers, int MaxBatchBytes = 0, int GraceMs = 0);

/// <summary>One step's random draw: which operation (<see cref="Roll"/>, 0-999) and its parameters.</summary>
internal readonly record struct ModelDraw(int Roll, int A, int B, int C);

/// <summary>A generated sequence: its settings, the seed of its Kafka logs, and its steps.</summary>
internal sealed record ModelSequence(ModelSettings Settings, int LogSeed, ModelDraw[] Steps)
{
    public override string ToString() => $"{Settings}, Kafka log seed {LogSeed}, {Steps.Length} steps";
}

/// <summary>
/// The Kafka partitions the consumers read: per partition a log of messages made on first read from the sequence's
/// seed (so any read order gives the same log). About one message in ten repeats a recent message's event id and
/// agent at a new offset, as a producer retry does.
/// </summary>
internal sealed class KafkaLog(int seed)
{
    public const string Topic = "fb.reply";

    /// <summary>Agents in the pool the messages are about (agent-0 ...).</summary>
    public const int Agents = 6;

    public const int Partitions = 5;

    private readonly List<AppendEvent>[] _logs = [.. Enumerable.Range(0, Partitions).Select(_ => new List<AppendEvent>())];
    private readonly Random[] _random = [.. Enumerable.Range(0, Partitions).Select(p => new Random(unchecked((seed * 31) + p)))];

    public AppendEvent At(int partition, long offset)
    {
        var log = _logs[partition];
        var random = _random[partition];
        while (log.Count <= offset)
        {
            int o = log.Count;
            string id = $"p{partition}-{o}", agent;
            if (o > 0 && random.Next(10) == 0)
            {
                var retried = log[random.Next(Math.Max(0, o - 4), o)];
                (id, agent) = (retried.EventId, retried.AgentId);
            }
            else
            {
                agent = $"agent-{random.Next(Agents)}";
            }

            log.Add(AppendEvent.FromJson(id, agent, JsonSerializer.Serialize(new { eventId = id, agentId = agent, type = "reply", topic = Topic, partition, offset = o })));
        }

        return log[(int)offset];
    }

    public static KafkaPartition Partition(int p) => new(Topic, p);
}

/// <summary>A logical client: its own connection (so a fault can drop it alone) and store.</summary>
internal abstract class ModelClient(string name)
{
    public string Name { get; } = name;

    public IConnectionMultiplexer Connection { get; set; } = null!;

    public RedisBatchStore Store { get; set; } = null!;
}

/// <summary>A consumer: the partitions it reads, how far it has read, and the offset it last recorded per partition.</summary>
internal sealed class ModelConsumer(string name, int[] partitions) : ModelClient(name)
{
    public int[] Partitions { get; } = partitions;

    public Dictionary<int, long> ReadFrom { get; } = partitions.ToDictionary(p => p, _ => 0L);

    public Dictionary<int, long> Recorded { get; } = partitions.ToDictionary(p => p, _ => -1L);

    /// <summary>Resumes every partition after <paramref name="offsets"/> (null: none recorded, from the start).</summary>
    public void ResumeAt(IReadOnlyDictionary<KafkaPartition, long?> offsets)
    {
        foreach (var (partition, offset) in offsets)
        {
            Recorded[partition.Partition] = offset ?? -1;
            ReadFrom[partition.Partition] = (offset ?? -1) + 1;
        }
    }
}

/// <summary>A flusher: its owner id and the batches it holds under a lease (as far as it knows).</summary>
internal sealed class ModelFlusher(string name) : ModelClient(name)
{
    public List<ClaimedBatch> Held { get; } = [];

    /// <summary>The store's round-robin claim counter, as the store keeps it: one more on every claim.</summary>
    public int Claims { get; set; }
}

/// <summary>The operator (feedbackctl): seals, replays and drops.</summary>
internal sealed class ModelOperator(string name) : ModelClient(name);

/// <summary>The operations a step can be.</summary>
internal enum ModelOp
{
    Append,
    Redeliver,
    SealDue,
    SealMember,
    Claim,
    Renew,
    Ack,
    Release,
    Quarantine,
    Reclaim,
    Tick,
    PassBatchTime,
    ExpireLeases,
    Replay,
    Drop,
    RestartConsumer,
    KillConnection,
    KillDuringAppend,
    CutBeforeRequest,
    CutAfterReply,
    RestartRedis,
    Snapshot,
    LoseData,
    FailingScript,
    Recount,
    PolicySet,
    PolicyClear,
}

/// <summary>A check failed: the message holds the sequence's steps and what differed.</summary>
internal sealed class BatchStoreModelFailure(string message) : Exception(message);
