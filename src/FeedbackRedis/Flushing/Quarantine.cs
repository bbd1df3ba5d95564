using System.Text;
using FeedbackRedis.Batching;
using FeedbackRedis.Items;
using FeedbackRedis.Sinks;

namespace FeedbackRedis.Flushing;

/// <summary>The reason a quarantined (or wholly unreadable) batch carries: each item by position and event id, then why.</summary>
internal static class Quarantine
{
    /// <summary>Longest reason kept (<c>lastError</c>); the rest is cut with a count of the items left out.</summary>
    public const int MaxReasonLength = 4_000;

    public static string Describe(IReadOnlyList<RejectedItem> rejected, ClaimedBatch claim)
    {
        var text = new StringBuilder();
        for (int i = 0; i < rejected.Count; i++)
        {
            var r = rejected[i];
            string id = r.ItemIndex >= 0 && r.ItemIndex < claim.Items.Count ? StoredItem.EventIdOf(claim.Items[r.ItemIndex]) ?? "?" : "?";
            string entry = $"{(i == 0 ? "" : "; ")}item #{r.ItemIndex} of {claim.BatchId} (event {id}): {r.Reason}";
            if (text.Length + entry.Length > MaxReasonLength)
            {
                text.Append($"; and {rejected.Count - i} more");
                break;
            }

            text.Append(entry);
        }

        return text.ToString();
    }
}
