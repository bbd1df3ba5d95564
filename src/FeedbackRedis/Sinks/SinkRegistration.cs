namespace FeedbackRedis.Sinks;

/// <summary>
/// A sink's offer to the flusher: its kind (<c>FEEDBACK_SINK</c>) and how to make it. Each sink registers one from its
/// own <c>Add…Sink</c> extension; the flusher makes the one its settings name (docs/CONTRIBUTING: adding a sink).
/// </summary>
/// <param name="Kind">The <c>FEEDBACK_SINK</c> value that selects it.</param>
/// <param name="Create">Makes the sink from the service provider (called once, for the selected kind only).</param>
public sealed record SinkRegistration(SinkKind Kind, Func<IServiceProvider, IFeedbackSink> Create);
