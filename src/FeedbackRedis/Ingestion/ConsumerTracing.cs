using System.Diagnostics;
using System.Globalization;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using static FeedbackRedis.Diagnostics.FeedbackTracing;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's spans (names, attributes and helpers: <see cref="FeedbackTracing"/>).</summary>
public static class ConsumerTracing
{
    /// <summary>
    /// Starts the span of one micro-batch (its dead letters and its append): <c>process {topic}</c> (<c>process</c> when
    /// its messages came from both topics), kind Consumer, linking to the trace context of each of its messages, the first
    /// <see cref="LinkLimit"/> distinct ones in consumption order. Null when tracing is off.
    /// </summary>
    internal static Activity? StartProcess(IReadOnlyList<PendingMessage> messages, string consumerGroup)
    {
        if (!Source.HasListeners() || messages.Count == 0)
        {
            return null;
        }

        var links = Links(messages.Select(m => m.TraceContext), out int omitted);
        string? topic = messages[0].Result.Topic;
        int? partition = messages[0].Result.Partition.Value;
        int deadLetters = 0;
        foreach (var message in messages)
        {
            topic = string.Equals(topic, message.Result.Topic, StringComparison.Ordinal) ? topic : null;
            partition = topic is not null && partition == message.Result.Partition.Value ? partition : null;
            deadLetters += message.Classification?.IsDeadLetter == true ? 1 : 0;
        }

        var tags = new ActivityTagsCollection
        {
            [Attributes.MessagingSystem] = "kafka",
            [Attributes.OperationType] = ProcessOperation,
            [Attributes.OperationName] = ProcessOperation,
            [Attributes.ConsumerGroup] = consumerGroup,
            [Attributes.BatchMessageCount] = messages.Count,
            [Attributes.DeadLetters] = deadLetters,
        };
        if (topic is not null)
        {
            tags[Attributes.DestinationName] = topic;
        }

        if (partition is { } id)
        {
            tags[Attributes.PartitionId] = id.ToString(CultureInfo.InvariantCulture);
        }

        if (omitted > 0)
        {
            tags[Attributes.LinksOmitted] = omitted;
        }

        string name = topic is null ? ProcessOperation : $"{ProcessOperation} {topic}";
        return Source.StartActivity(name, ActivityKind.Consumer, default(ActivityContext), tags, links);
    }

    /// <summary>Records what the append did on the micro-batch's span.</summary>
    internal static void Appended(Activity? span, AppendResult result)
    {
        if (span is null || !span.IsAllDataRequested)
        {
            return;
        }

        span.SetTag(Attributes.EventsAdded, result.Added);
        span.SetTag(Attributes.EventsDuplicate, result.Duplicates);
    }
}
