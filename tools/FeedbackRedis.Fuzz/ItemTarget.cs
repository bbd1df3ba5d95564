using System.Text;
using FeedbackRedis.Items;

namespace FeedbackRedis.Fuzz;

/// <summary>
/// One stored item as Redis could hold it after a hand edit or damage (the input as UTF-8 text). Checks that
/// <see cref="StoredItem.EventIdOf"/> and <see cref="StoredItem.TryRead"/> never throw, and that an item TryRead accepts
/// (with and without a batch agent standing in) goes through both sinks (<see cref="SinkRoundTrip"/>): TryRead's check
/// exists so that such an item is quarantined rather than failing a sink.
/// </summary>
internal static class ItemTarget
{
    private const string BatchAgent = "agent-batch";

    public static void Run(byte[] input)
    {
        string item = Encoding.UTF8.GetString(input);
        _ = StoredItem.EventIdOf(item);
        foreach (string? batchAgentId in (ReadOnlySpan<string?>)[null, BatchAgent])
        {
            if (StoredItem.TryRead(item, batchAgentId, 0, out var read, out _))
            {
                SinkRoundTrip.Check(item, read, member: batchAgentId ?? "#global-0");
            }
        }
    }
}
