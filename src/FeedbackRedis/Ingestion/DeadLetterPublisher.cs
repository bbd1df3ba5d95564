using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Delivers dead letters to the dead-letter topic: original key and value, headers from <see cref="DeadLetterHeaders"/>.
/// A dead letter the topic refuses permanently (<see cref="IsPermanent"/>) is sent again on its own, cut down
/// (<see cref="DeadLetterMessages.Reduced"/>); refused again, it is logged, counted and dropped so the consumer moves on.
/// Any other failure (broker down, timeout, authorisation) leaves it undelivered: the consumer pauses and retries.
/// </summary>
/// <param name="logger">The consumer's logger: these are consumer events (ids 3029 and 3030).</param>
public sealed partial class DeadLetterPublisher(
    IProducer<byte[]?, byte[]?> producer,
    string topic,
    string consumerGroup,
    IngestionMetrics metrics,
    ILogger logger)
{
    public string Topic => topic;

    /// <summary>
    /// Sends every message not yet handled and waits for all deliveries; each handled one gets its
    /// <see cref="PendingMessage.DeadLetterOutcome"/>.
    /// </summary>
    /// <returns>The first failure that leaves a message unhandled (transient), or null when all were handled.</returns>
    public async Task<Exception?> PublishAsync(IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sends = new List<(PendingMessage Message, Classification Classification, Task Delivery)>(messages.Count);
        foreach (var message in messages)
        {
            if (!message.DeadLettered && message.Classification is { IsDeadLetter: true } classification)
            {
                var whole = DeadLetterMessages.Whole(message.Result, classification, consumerGroup);
                sends.Add((message, classification, SendAsync(whole, cancellationToken)));
            }
        }

        Exception? transient = null;
        var refused = new List<(PendingMessage Message, Classification Classification, KafkaException Error)>();
        foreach (var (message, classification, delivery) in sends)
        {
            try
            {
                await delivery;
                message.DeadLetterOutcome = DeadLetterOutcome.Delivered;
            }
            catch (KafkaException ex) when (IsPermanent(ex.Error.Code))
            {
                refused.Add((message, classification, ex));
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
            {
                transient ??= ex;
            }
        }

        // One at a time, so each goes alone in its produce request: a batch refused for one large message fails its
        // small neighbours with the same error, and those then go through whole. Not while the topic is unreachable:
        // each attempt could wait the whole delivery timeout; they are all retried on the next turn.
        foreach (var (message, classification, error) in refused)
        {
            if (transient is not null)
            {
                break;
            }

            transient = await SendReducedAsync(message, classification, error, cancellationToken);
        }

        return transient;
    }

    /// <summary>
    /// True for a produce error about the message itself, which sending it again unchanged cannot cure: too large for the
    /// producer's <c>message.max.bytes</c> or the topic's <c>max.message.bytes</c> (<see cref="ErrorCode.MsgSizeTooLarge"/>;
    /// librdkafka reports its local check with the same code), <see cref="ErrorCode.InvalidMsgSize"/>,
    /// <see cref="ErrorCode.RecordListTooLarge"/> (larger than a log segment), <see cref="ErrorCode.InvalidRecord"/> (the
    /// broker's record validation, e.g. a compacted topic and a null key), <see cref="ErrorCode.InvalidMsg"/> (corrupt;
    /// librdkafka retries it itself, so it surfaces only once it gave up) and <see cref="ErrorCode.Local_BadMsg"/>.
    /// Not permanent here, although Kafka calls some of them so: authorisation (<see cref="ErrorCode.TopicAuthorizationFailed"/>,
    /// <see cref="ErrorCode.ClusterAuthorizationFailed"/>), an unknown topic, an unsupported message format. They concern
    /// every dead letter, an operator can fix them, and dropping would lose every bad message meanwhile: the consumer
    /// pauses instead (<see cref="PauseReasons.DeadLetterUnavailable"/>) and says why in its log.
    /// </summary>
    public static bool IsPermanent(ErrorCode code) => code is ErrorCode.MsgSizeTooLarge
        or ErrorCode.InvalidMsgSize
        or ErrorCode.RecordListTooLarge
        or ErrorCode.InvalidRecord
        or ErrorCode.InvalidMsg
        or ErrorCode.Local_BadMsg;

    /// <returns>The failure when it stays unhandled (transient), else null.</returns>
    private async Task<Exception?> SendReducedAsync(
        PendingMessage message, Classification classification, KafkaException refusal, CancellationToken cancellationToken)
    {
        var source = message.Result;
        var reduced = DeadLetterMessages.Reduced(source, classification, consumerGroup, out bool truncated);
        long originalBytes = source.Message.Value?.LongLength ?? 0;
        try
        {
            await SendAsync(reduced, cancellationToken);
        }
        catch (KafkaException ex) when (IsPermanent(ex.Error.Code))
        {
            message.DeadLetterOutcome = DeadLetterOutcome.Dropped;
            metrics.DeadLetterDropped(classification.Reason, ex.Error.Code);
            LogDeadLetterDropped(source.Topic, source.Partition.Value, source.Offset.Value, classification.Reason.Name(),
                originalBytes, refusal.Error.Reason, ex.Error.Reason);
            return null;
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            return ex;
        }

        message.DeadLetterOutcome = truncated ? DeadLetterOutcome.Truncated : DeadLetterOutcome.Delivered;
        if (truncated)
        {
            metrics.DeadLetterTruncated(classification.Reason);
        }

        LogDeadLetterResent(source.Topic, source.Partition.Value, source.Offset.Value, classification.Reason.Name(),
            refusal.Error.Reason, truncated, reduced.Value?.Length ?? 0, originalBytes);
        return null;
    }

    /// <summary>Produces and awaits the delivery; a synchronous refusal (librdkafka's local checks) faults the task too.</summary>
    private async Task SendAsync(Message<byte[]?, byte[]?> message, CancellationToken cancellationToken) =>
        await producer.ProduceAsync(topic, message, cancellationToken);
}
