using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>
/// Publishes announcements with an idempotent producer (<c>enable.idempotence=true</c>, <c>acks=all</c>), so a
/// broker-side retry never duplicates a message; a re-flush after a crash still announces again (at least once). Its
/// <c>message.max.bytes</c> is <see cref="FlusherOptions.AnnouncementMaxBytes"/>, and every announcement is cut to fit
/// it (<see cref="FlushedBatchMessage.Fit"/>), so no batch is ever refused for its size.
/// </summary>
public sealed partial class KafkaFlushedBatchPublisher : IFlushedBatchPublisher, IDisposable
{
    /// <summary>
    /// What an announcement adds to its JSON value on the wire, kept free below <c>message.max.bytes</c>: the key (the
    /// agent or batch id, at most about 150 bytes), the <c>batchId</c>, <c>batchKey</c> and <c>attempt</c> headers (about
    /// 370 bytes), <c>traceparent</c> when tracing is on (66 bytes; the flusher's own spans carry no <c>tracestate</c>) and
    /// the record framing (under 100 bytes). 1 KiB leaves ample slack.
    /// </summary>
    public const int EnvelopeReserveBytes = 1024;

    private readonly IProducer<string, string> _producer;
    private readonly string _topic;
    private readonly int _maxJsonBytes;
    private readonly ILogger<KafkaFlushedBatchPublisher> _logger;

    public KafkaFlushedBatchPublisher(IOptions<KafkaOptions> kafka, IOptions<FlusherOptions> flusher, ILogger<KafkaFlushedBatchPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(flusher);
        _logger = logger;
        _producer = new ProducerBuilder<string, string>(ProducerConfig(kafka.Value, flusher.Value))
            .SetLogHandler(KafkaClientLog.Handler(logger, "announcement-producer"))
            .SetErrorHandler((_, e) => LogKafkaError(e.Code, e.Reason, e.IsFatal))
            .Build();
        _topic = kafka.Value.FlushedTopic;
        _maxJsonBytes = MaxJsonBytes(flusher.Value.AnnouncementMaxBytes);
    }

    /// <summary>Idempotent, acks=all; <c>message.max.bytes</c> set explicitly to <see cref="FlusherOptions.AnnouncementMaxBytes"/>.</summary>
    internal static ProducerConfig ProducerConfig(KafkaOptions kafka, FlusherOptions flusher) => new(kafka.ClientSettings())
    {
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        MessageTimeoutMs = (int)flusher.PublishTimeout.TotalMilliseconds,
        MessageMaxBytes = flusher.AnnouncementMaxBytes,
        ClientId = "feedback-redis-flusher",
    };

    /// <summary>The largest JSON value an announcement may have under a producer limit of <paramref name="messageMaxBytes"/>.</summary>
    public static int MaxJsonBytes(int messageMaxBytes) => messageMaxBytes - EnvelopeReserveBytes;

    public async Task PublishAsync(FlushedBatchMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var fitted = message.Fit(_maxJsonBytes);
        if (fitted.EventIdsOmitted && !message.EventIdsOmitted)
        {
            LogListsOmitted(message.BatchId, message.EventCount, message.AgentCount, fitted.AgentIdsOmitted, _maxJsonBytes);
        }

        var kafkaMessage = new Message<string, string>
        {
            Key = fitted.Key,
            Value = fitted.ToJson(),
            Headers = new Headers
            {
                { "batchId", Encoding.UTF8.GetBytes(fitted.BatchId) },
                { "attempt", Encoding.UTF8.GetBytes(fitted.Attempt.ToString(CultureInfo.InvariantCulture)) },
            },
        };
        if (fitted.BatchKey is { } batchKey)
        {
            kafkaMessage.Headers.Add("batchKey", Encoding.UTF8.GetBytes(batchKey));
        }

        FlusherTracing.InjectAnnouncement(kafkaMessage.Headers); // tracing: traceparent of the sink write (nothing when off)

        await _producer.ProduceAsync(_topic, kafkaMessage, cancellationToken);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
