using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Kafka;

/// <summary>The one mapping of librdkafka's log levels onto ours, for every client whose log is forwarded.</summary>
internal static class KafkaLogLevels
{
    /// <summary>By syslog level: 0-3 error, 4 warning, 5-7 debug (its notices are chatty).</summary>
    public static LogLevel Of(SyslogLevel level) => level switch
    {
        <= SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Debug,
    };
}
