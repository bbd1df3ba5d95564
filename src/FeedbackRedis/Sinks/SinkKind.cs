namespace FeedbackRedis.Sinks;

/// <summary>Where flushed batches go (<c>FEEDBACK_SINK</c>).</summary>
public enum SinkKind
{
    /// <summary>MongoDB: one document per event plus per-agent aggregates (docs/SINKS.md). The default.</summary>
    MongoDb,

    /// <summary>An append-only JSON-lines file, for machines with no MongoDB (docs/SINKS.md).</summary>
    File,
}
