using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Diagnostics;

/// <summary>
/// librdkafka's own log, forwarded for every Kafka client the service builds (the consumer, the dead-letter producer,
/// the announcement producer, the health check's admin client): one event, <c>LogKafkaClient</c> (7000), under the
/// category of the component that owns the client, naming the client.
/// </summary>
[LogEventRange("Kafka clients", 7000, 7099)]
public static partial class KafkaClientLog
{
    /// <summary>The log handler for a client builder's <c>SetLogHandler</c>.</summary>
    /// <param name="client">Which client, e.g. <c>consumer</c>, <c>dlq-producer</c>.</param>
    public static Action<IClient, LogMessage> Handler(ILogger logger, string client)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return (_, message) =>
        {
            var level = LevelOf(message.Level);
            LogKafkaClient(logger, level, client, message.Facility, message.Message);
        };
    }

    /// <summary>By syslog level: 0-3 error, 4 warning, 5-7 debug (its notices are chatty).</summary>
    public static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        <= SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Debug,
    };

    [LoggerMessage(EventId = 7000, Message = "librdkafka {Client} {Facility}: {Text}")]
    private static partial void LogKafkaClient(ILogger logger, LogLevel level, string client, string facility, string text);
}
