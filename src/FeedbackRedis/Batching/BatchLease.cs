namespace FeedbackRedis.Batching;

/// <summary>
/// The right to write and ack one claimed batch. <paramref name="Fence"/> grows with every claim of the batch and is
/// never reset, so a flusher whose lease expired and was taken over cannot ack, renew or release the batch.
/// </summary>
public sealed record BatchLease(string BatchId, string Owner, long Fence);
