namespace FeedbackRedis.Sinks;

/// <summary>
/// One item of a batch that a sink could not store (a document the sink refused for that item alone). The rest of the
/// batch is written; the flusher quarantines this item as a dead batch of its own, with <paramref name="Reason"/>.
/// </summary>
/// <param name="ItemIndex">The item's position in the claimed batch (<see cref="Items.ClaimedEvent.ItemIndex"/>).</param>
/// <param name="Reason">Why the sink refused it, naming the sink's error.</param>
public sealed record RejectedItem(int ItemIndex, string Reason);
