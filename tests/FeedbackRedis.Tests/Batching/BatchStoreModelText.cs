using System.Globalization;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Tests.Batching;

/// <summary>How the model test writes calls, replies and batches in its step list (the same text for Redis and the model, so they compare).</summary>
internal static class ModelText
{
    public static string ShardList(List<int> shards, int mask) =>
        string.Join(",", shards.Where((_, i) => (mask & (1 << i)) != 0));

    public static string Show(List<AppendEvent> events) => "[" + string.Join(" ", events.Select(e => $"{e.EventId}/{e.AgentId}")) + "]";

    public static string Show(List<PartitionPosition> positions) =>
        "[" + string.Join(" ", positions.Select(p => $"{p.Partition}:{p.Expected}->{p.Taken}")) + "]";

    public static string Show(AppendResult r) =>
        $"added {r.Added}, duplicates {r.Duplicates}, sealed {r.Sealed}" + (r.Refused ? $", refused: behind {Show(r.Behind)}" : "");

    public static string Show(ModelAppend r) =>
        $"added {r.Added}, duplicates {r.Duplicates}, sealed {r.Sealed}" + (r.Behind.Count > 0 ? $", refused: behind {Show(r.Behind)}" : "");

    public static string Show(IReadOnlyDictionary<KafkaPartition, long?> offsets) =>
        "{" + string.Join(", ", offsets.OrderBy(o => o.Key.Field, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value?.ToString(CultureInfo.InvariantCulture) ?? "none"}")) + "}";

    public static string Show(BatchLease lease) => $"{lease.BatchId} (fence {lease.Fence})";

    public static string Show(ClaimedBatch b) =>
        $"{b.BatchId} attempt {b.Attempt} fence {b.Lease.Fence} {b.Member}/{b.Trigger.ToString().ToLowerInvariant()} opened {b.OpenedAt.ToUnixTimeMilliseconds()} "
        + $"sealed {b.SealedAt.ToUnixTimeMilliseconds()} until {b.LeaseUntil.ToUnixTimeMilliseconds()} [{string.Join(",", b.Items.Select(ItemIds.Of))}]";

    public static string Show(ModelBatch b) =>
        $"{b.Id} attempt {b.Attempts} fence {b.Fence} {b.Member}/{b.Trigger} opened {b.OpenedAt} sealed {b.SealedAt} until {b.LeaseUntil} [{string.Join(",", b.Items.Select(e => e.Id))}]";

    public static string Show(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Show(bool b) => b ? "true" : "false";

    public static string Show(string? s) => s ?? "none";
}
