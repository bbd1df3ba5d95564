using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace FeedbackRedis.Diagnostics;

/// <summary>
/// The one owner of the service's spans (docs/OPERATIONS.md, "Tracing"): the <see cref="SourceName"/> activity source,
/// the span and attribute names (OpenTelemetry messaging semantic conventions <see cref="SemanticConventionsVersion"/>),
/// and the W3C trace context read from and written to Kafka headers. Tracing is off unless an OTLP endpoint is set
/// (<see cref="FeedbackTracingSetup"/>): then nothing listens to the source, and every helper here returns at its first
/// line (<see cref="ActivitySource.HasListeners"/>) without reading a header or allocating.
/// </summary>
public static partial class FeedbackTracing
{
    /// <summary>The activity source of every FeedbackRedis span.</summary>
    public const string SourceName = "FeedbackRedis";

    /// <summary>The version of the OpenTelemetry messaging semantic conventions the span names and attributes follow.</summary>
    public const string SemanticConventionsVersion = "1.27.0";

    /// <summary>The SDK's default of <c>OTEL_SPAN_LINK_COUNT_LIMIT</c>.</summary>
    public const int DefaultLinkLimit = 128;

    /// <summary>The W3C <c>traceparent</c> header (and stored item field).</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>
    /// The <c>messaging.operation.type</c> of both roles' spans, and the consumer span's <c>messaging.operation.name</c>
    /// (and its name's first word).
    /// </summary>
    public const string ProcessOperation = "process";

    /// <summary>The W3C <c>tracestate</c> header.</summary>
    public const string TraceStateHeader = "tracestate";

    /// <summary>Longer header values are not trace context (a traceparent is 55 characters; W3C caps tracestate at 512).</summary>
    private const int MaxHeaderBytes = 1024;

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>W3C trace context, explicitly: what the headers hold whatever <c>OTEL_PROPAGATORS</c> says (baggage is not carried).</summary>
    private static readonly TraceContextPropagator Propagator = new();

    private static int _linkLimit = DefaultLinkLimit;

    /// <summary>
    /// The most links one span gets: <c>OTEL_SPAN_LINK_COUNT_LIMIT</c> (default 128), the number the SDK exports. Set
    /// once by <see cref="FeedbackTracingSetup.AddFeedbackTracing"/>.
    /// </summary>
    public static int LinkLimit
    {
        get => Volatile.Read(ref _linkLimit);
        internal set => Volatile.Write(ref _linkLimit, value);
    }

    /// <summary>True when something listens to the service's spans (tracing is on).</summary>
    public static bool IsOn => Source.HasListeners();

    /// <summary>
    /// The trace context a producer sent in <paramref name="headers"/> (<c>traceparent</c>, <c>tracestate</c>), or default
    /// when tracing is off, when there is none, or when it is not valid W3C trace context (ignored, as W3C says).
    /// </summary>
    public static ActivityContext ContextOf(Headers? headers)
    {
        if (headers is null || headers.Count == 0 || !Source.HasListeners())
        {
            return default;
        }

        return Propagator.Extract(default, headers, HeaderValues).ActivityContext;
    }

    /// <summary>The canonical <c>traceparent</c> of <paramref name="context"/> (<c>00-trace-span-flags</c>), or null for default.</summary>
    public static string? TraceParentOf(ActivityContext context) =>
        context == default
            ? null
            : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>The context a stored <c>traceparent</c> names, or default when it is absent or not valid.</summary>
    public static ActivityContext ContextOf(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;

    /// <summary>
    /// Writes <paramref name="context"/> as <c>traceparent</c> (and <c>tracestate</c>) into <paramref name="headers"/>,
    /// replacing any there.
    /// </summary>
    internal static void Inject(ActivityContext context, Headers headers)
    {
        if (context == default)
        {
            return;
        }

        Propagator.Inject(new PropagationContext(context, default(Baggage)), headers, static (h, name, value) =>
        {
            h.Remove(name);
            h.Add(name, Encoding.UTF8.GetBytes(value));
        });
    }

    /// <summary>
    /// Links to the first <see cref="LinkLimit"/> distinct valid contexts of <paramref name="contexts"/>, in order;
    /// <paramref name="omitted"/> counts the distinct ones left out.
    /// </summary>
    internal static List<ActivityLink> Links(IEnumerable<ActivityContext> contexts, out int omitted)
    {
        int limit = LinkLimit;
        var links = new List<ActivityLink>(Math.Min(limit, 16));
        var seen = new HashSet<(ActivityTraceId, ActivitySpanId)>();
        omitted = 0;
        foreach (var context in contexts)
        {
            if (context == default || !seen.Add((context.TraceId, context.SpanId)))
            {
                continue;
            }

            if (links.Count < limit)
            {
                links.Add(new ActivityLink(context));
            }
            else
            {
                omitted++;
            }
        }

        return links;
    }

    /// <summary>Marks <paramref name="span"/> failed: status Error, <c>error.type</c>.</summary>
    internal static void Failed(Activity? span, string errorType, string description)
    {
        if (span is null || !span.IsAllDataRequested)
        {
            return;
        }

        span.SetTag(Attributes.ErrorType, errorType);
        span.SetStatus(ActivityStatusCode.Error, description);
    }

    private static IEnumerable<string>? HeaderValues(Headers headers, string name)
    {
        List<string>? values = null;
        foreach (var header in headers)
        {
            if (!string.Equals(header.Key, name, StringComparison.Ordinal))
            {
                continue;
            }

            byte[]? bytes = header.GetValueBytes();
            if (bytes is null || bytes.Length > MaxHeaderBytes)
            {
                // Not trace context; a second traceparent makes the context invalid (W3C), so keep it counted.
                (values ??= []).Add("");
                continue;
            }

            (values ??= []).Add(Encoding.UTF8.GetString(bytes));
        }

        return values;
    }

    /// <summary>Span attribute names (messaging conventions <see cref="SemanticConventionsVersion"/>, then this service's <c>feedback.*</c>).</summary>
    internal static class Attributes
    {
        public const string MessagingSystem = "messaging.system";
        public const string OperationType = "messaging.operation.type";
        public const string OperationName = "messaging.operation.name";
        public const string DestinationName = "messaging.destination.name";
        public const string PartitionId = "messaging.destination.partition.id";
        public const string ConsumerGroup = "messaging.consumer.group.name";
        public const string BatchMessageCount = "messaging.batch.message_count";
        public const string ErrorType = "error.type";

        /// <summary>Distinct message contexts not linked (beyond <see cref="LinkLimit"/>).</summary>
        public const string LinksOmitted = "feedback.links.omitted";
        public const string DeadLetters = "feedback.dead_letters";
        public const string EventsAdded = "feedback.events.added";
        public const string EventsDuplicate = "feedback.events.duplicates";
        public const string Sink = "feedback.sink";
        public const string Batches = "feedback.batches";
        public const string BatchesWritten = "feedback.batches.written";
    }
}
