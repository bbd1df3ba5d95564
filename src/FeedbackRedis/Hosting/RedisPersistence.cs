using System.Globalization;

namespace FeedbackRedis.Hosting;

/// <summary>How bad one persistence finding is for accepted events.</summary>
internal enum PersistenceRisk
{
    /// <summary>Covered: what it can lose, the consumer's rewind to Redis's recorded offsets re-reads from Kafka.</summary>
    Covered,

    /// <summary>Worth changing: more is re-read, or appends wait on replicas that are not there.</summary>
    Warn,

    /// <summary>Loses accepted events on a restart: refused unless <c>FEEDBACK_REDIS_PERSISTENCE_CHECK=warn</c>.</summary>
    Refuse,
}

/// <summary>One start-up line about one setting of one Redis primary.</summary>
internal sealed record PersistenceFinding(PersistenceRisk Risk, string Message);

/// <summary>
/// One primary's persistence and replication settings (<c>CONFIG GET appendonly / appendfsync / save</c>,
/// <c>INFO replication</c>), and what each means for loss given the offset design: the append script records each
/// Kafka partition's highest offset taken in (<c>&lt;prefix&gt;:offsets</c>) in the same atomic step as the events,
/// and the consumer rewinds to that offset + 1 when Redis lost data. So any Redis that comes back with an older copy
/// loses nothing Kafka still retains; one that comes back empty lost its offsets too, and the consumer falls back to
/// Kafka's committed offsets, which can be ahead of what Redis held.
/// </summary>
internal sealed record RedisPersistence(string Node, string AppendOnly, string AppendFsync, string Save, int ConnectedReplicas)
{
    private const string Advice = "Set 'appendonly yes' with 'appendfsync everysec'";

    /// <summary>One finding per setting: appendonly (with save when it is off), appendfsync when AOF is on, replicas.</summary>
    /// <param name="waitReplicas">The replicas each append waits for (<c>FEEDBACK_REDIS_WAIT_REPLICAS</c>).</param>
    public IReadOnlyList<PersistenceFinding> Assess(int waitReplicas)
    {
        var findings = new List<PersistenceFinding> { AppendOnlyFinding() };
        if (IsOn(AppendOnly))
        {
            findings.Add(AppendFsyncFinding());
        }

        findings.Add(ReplicationFinding(waitReplicas));
        return findings;
    }

    private PersistenceFinding AppendOnlyFinding()
    {
        if (IsOn(AppendOnly))
        {
            return new(PersistenceRisk.Covered,
                $"Redis {Node} appendonly yes: a restart replays the AOF, so batches and their recorded Kafka offsets come back.");
        }

        if (string.IsNullOrWhiteSpace(Save))
        {
            return new(PersistenceRisk.Refuse,
                $"Redis {Node} persists nothing (appendonly no, save ''): a restart comes back empty, without the Kafka offsets "
                + "it recorded, and the consumer falls back to Kafka's committed offsets, which can be ahead of what Redis held: "
                + $"accepted events are lost. {Advice} (or FEEDBACK_REDIS_PERSISTENCE_CHECK=warn to start anyway).");
        }

        return new(PersistenceRisk.Warn,
            $"Redis {Node} appendonly no, only RDB snapshots (save '{Save}'): a restart goes back to the last snapshot, and "
            + "the consumer rewinds to the offsets recorded in it and re-reads everything since from Kafka (covered while "
            + $"Kafka retains it, but all of it is read and appended again). {Advice}.");
    }

    private PersistenceFinding AppendFsyncFinding() => AppendFsync.ToLowerInvariant() switch
    {
        "always" => new(PersistenceRisk.Covered,
            $"Redis {Node} appendfsync always: every append is on disk before Redis answers; a crash loses nothing acknowledged."),
        "everysec" => new(PersistenceRisk.Covered,
            $"Redis {Node} appendfsync everysec: a crash of the Redis host can lose the last second of appends; the consumer "
            + "rewinds to the offsets the AOF kept and re-reads that second from Kafka (covered while Kafka retains it)."),
        _ => new(PersistenceRisk.Warn,
            $"Redis {Node} appendfsync {AppendFsync}: the OS decides when the AOF reaches disk (often 30 s), so a host crash "
            + "loses that much; the consumer rewinds and re-reads it from Kafka (covered while Kafka retains it). "
            + "Set 'appendfsync everysec'."),
    };

    private PersistenceFinding ReplicationFinding(int waitReplicas)
    {
        string replicas = ConnectedReplicas.ToString(CultureInfo.InvariantCulture);
        string wait = waitReplicas.ToString(CultureInfo.InvariantCulture);
        if (waitReplicas > ConnectedReplicas)
        {
            return new(PersistenceRisk.Warn,
                $"Redis {Node} has {replicas} connected replica(s) but FEEDBACK_REDIS_WAIT_REPLICAS={wait}: every append "
                + $"fails (retried, offsets held) until {wait} replica(s) acknowledge it.");
        }

        if (waitReplicas > 0)
        {
            return new(PersistenceRisk.Covered,
                $"Redis {Node} has {replicas} replica(s) and each append waits for {wait} (FEEDBACK_REDIS_WAIT_REPLICAS): "
                + "a failover to a replica that acknowledged loses nothing the consumer moved past.");
        }

        if (ConnectedReplicas > 0)
        {
            return new(PersistenceRisk.Covered,
                $"Redis {Node} has {replicas} replica(s) and FEEDBACK_REDIS_WAIT_REPLICAS=0: a failover can lose the last "
                + "writes the promoted replica had not received; the consumer rewinds to the offsets that replica holds "
                + "(covered unless it was empty). Set FEEDBACK_REDIS_WAIT_REPLICAS=1 to wait for one on every append.");
        }

        return new(PersistenceRisk.Covered,
            $"Redis {Node} has no replicas (FEEDBACK_REDIS_WAIT_REPLICAS=0): nothing to fail over to; a restart keeps what "
            + "its own persistence keeps.");
    }

    private static bool IsOn(string value) => string.Equals(value, "yes", StringComparison.OrdinalIgnoreCase);
}
