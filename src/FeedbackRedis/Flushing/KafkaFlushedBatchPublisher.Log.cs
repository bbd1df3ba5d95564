using Confluent.Kafka;
using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

/// <remarks>4902 (its librdkafka log) is retired: that is <see cref="KafkaClientLog"/>'s 7000 now.</remarks>
[LogEventRange("announcement publisher", 4900, 4999)]
public sealed partial class KafkaFlushedBatchPublisher
{
    [LoggerMessage(EventId = 4900, Level = LogLevel.Debug,
        Message = "Announcement of batch {BatchId} ({Events} events, {Agents} agents) leaves out its event ids (agent ids too: {AgentIdsOmitted}) to fit {MaxJsonBytes} bytes")]
    private partial void LogListsOmitted(string batchId, int events, int agents, bool agentIdsOmitted, int maxJsonBytes);

    [LoggerMessage(EventId = 4901, Level = LogLevel.Warning, Message = "Kafka announcement producer error {Code} (fatal: {Fatal}): {Reason}")]
    private partial void LogKafkaError(ErrorCode code, string reason, bool fatal);
}
