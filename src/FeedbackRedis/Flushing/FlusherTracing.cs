using System.Diagnostics;
using Confluent.Kafka;
using FeedbackRedis.Sinks;
using FeedbackRedis.Diagnostics;
using static FeedbackRedis.Diagnostics.FeedbackTracing;

namespace FeedbackRedis.Flushing;

/// <summary>The flusher's spans (names, attributes and helpers: <see cref="FeedbackTracing"/>).</summary>
public static class FlusherTracing
{
    /// <summary>The flusher span's <c>messaging.operation.name</c> (and its name's first word).</summary>
    public const string WriteOperation = "write";

    /// <summary>
    /// The context of the sink write whose batches are being announced, for <see cref="InjectAnnouncement"/>: set by
    /// <see cref="SinkWritten"/> in the flusher's async flow, so it reaches the publisher without a parameter and leaves
    /// with the group's flush.
    /// </summary>
    private static readonly AsyncLocal<ActivityContext> Announcing = new();

    /// <summary>
    /// Starts the span of one sink write: <c>write {sink}</c>, kind Consumer, linking to the stored trace context of the
    /// events it writes, the first <see cref="LinkLimit"/> distinct ones (batches in claim order, events in arrival order).
    /// It is <see cref="Activity.Current"/> while the sink writes, so the MongoDB driver's spans are its children. Null
    /// when tracing is off.
    /// </summary>
    internal static Activity? StartSinkWrite(string sink, IReadOnlyList<FeedbackBatch> batches)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var links = Links(batches.SelectMany(b => b.Events).Select(e => ContextOf(e.TraceParent)), out int omitted);
        var tags = new ActivityTagsCollection
        {
            [Attributes.MessagingSystem] = "kafka",
            [Attributes.OperationType] = ProcessOperation,
            [Attributes.OperationName] = WriteOperation,
            [Attributes.BatchMessageCount] = batches.Sum(b => b.Events.Count),
            [Attributes.Batches] = batches.Count,
            [Attributes.Sink] = sink,
        };
        if (omitted > 0)
        {
            tags[Attributes.LinksOmitted] = omitted;
        }

        return Source.StartActivity($"{WriteOperation} {sink}", ActivityKind.Consumer, default(ActivityContext), tags, links);
    }

    /// <summary>
    /// Ends the sink write's span with its outcome (Error with <c>error.type</c> the first failed outcome when a batch was
    /// not written), and makes its context the one the announcements of this flush carry.
    /// </summary>
    internal static void SinkWritten(Activity? span, IReadOnlyList<BatchWriteResult> results)
    {
        if (span is null)
        {
            return;
        }

        Announcing.Value = span.Context;
        if (span.IsAllDataRequested)
        {
            span.SetTag(Attributes.BatchesWritten, results.Count(r => r.Outcome == SinkOutcome.Written));
            if (results.FirstOrDefault(r => r.Outcome != SinkOutcome.Written) is { } failed)
            {
                Failed(span, LabelValues.Of(failed.Outcome), failed.Reason ?? failed.Outcome.ToString());
            }
        }

        span.Stop();
    }

    /// <summary>Ends the sink write's span of a write given up (lease lost, shutting down).</summary>
    internal static void WriteAbandoned(Activity? span, string reason)
    {
        Failed(span, "abandoned", reason);
        span?.Stop();
    }

    /// <summary>
    /// Puts the trace context of the sink write that wrote the batch into its <c>feedback.batch.flushed</c>
    /// announcement's headers (else the current span's, if any). Nothing when tracing is off.
    /// </summary>
    internal static void InjectAnnouncement(Headers headers)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var context = Announcing.Value;
        Inject(context != default ? context : Activity.Current?.Context ?? default, headers);
    }
}
