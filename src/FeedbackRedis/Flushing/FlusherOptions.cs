using FeedbackRedis.Configuration;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Flushing;

/// <summary>
/// Flusher settings, section <c>Feedback:Flusher</c>. Each property's environment name, default, range and meaning
/// are its row in <see cref="FeedbackSettings"/> (a test holds the defaults here to the table); checked at start-up by
/// <see cref="FlusherOptionsValidator"/>.
/// </summary>
public sealed class FlusherOptions
{
    public const string Section = FeedbackSettings.Flusher;

    /// <summary>
    /// How often the flusher seals due batches and claims ready ones (<c>FEEDBACK_FLUSH_POLL_MS</c>). A batch is
    /// written at most about one interval after its deadline.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most events in one sink write (<c>FEEDBACK_FLUSH_MAX_WRITE_EVENTS</c>); several batches are written together up
    /// to it, and a larger batch is written alone.
    /// </summary>
    public int MaxWriteEvents { get; set; } = 5_000;

    /// <summary>Most batches in one sink write (<c>FEEDBACK_FLUSH_MAX_WRITE_BATCHES</c>).</summary>
    public int MaxWriteBatches { get; set; } = 500;

    /// <summary>The sink (<c>FEEDBACK_SINK</c>): mongodb or file.</summary>
    public SinkKind Sink { get; set; } = SinkKind.MongoDb;

    /// <summary>The file sink's JSON-lines file (<c>FEEDBACK_SINK_FILE_PATH</c>).</summary>
    public string FilePath { get; set; } = "/data/feedback.jsonl";

    /// <summary>
    /// First delay after a failed write (<c>FEEDBACK_FLUSH_RETRY_BASE_MS</c>); it doubles per attempt (with jitter) up
    /// to <see cref="RetryMaxDelay"/>.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between attempts (<c>FEEDBACK_FLUSH_RETRY_MAX_MS</c>); at least <see cref="RetryBaseDelay"/>.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the <c>feedback.batch.flushed</c> announcement may take to be delivered
    /// (<c>FEEDBACK_FLUSH_PUBLISH_TIMEOUT_MS</c>).
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>message.max.bytes</c> of the announcement producer (configuration only: <c>Feedback:Flusher:AnnouncementMaxBytes</c>).
    /// An announcement whose JSON would not fit leaves out its id lists (docs/FLUSHING.md), so every batch can be
    /// announced. Keep it at or below the <c>feedback.batch.flushed</c> topic's <c>max.message.bytes</c> (Kafka's default is
    /// 1,048,588). The default is librdkafka's own; it must be large enough for the summary form of a full batch
    /// (<see cref="AnnouncementSizeValidator"/>).
    /// </summary>
    public int AnnouncementMaxBytes { get; set; } = 1_000_000;

    /// <summary>
    /// On shutdown, how long a write in progress may go on before it is abandoned and its leases are given back
    /// (<c>FEEDBACK_FLUSH_DRAIN_MS</c>). Keep it below <c>FEEDBACK_SHUTDOWN_TIMEOUT_MS</c>.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Test hook only (<c>FEEDBACK_TEST_PAUSE_BEFORE_ACK_MS</c>): after a write and its announcement, log
    /// <c>TestPauseBeforeAck</c> and wait this long before acking, so a test can kill the process between write and
    /// ack. 0: off. A warning is logged at start when it is set.
    /// </summary>
    public TimeSpan TestPauseBeforeAck { get; set; } = TimeSpan.Zero;
}
