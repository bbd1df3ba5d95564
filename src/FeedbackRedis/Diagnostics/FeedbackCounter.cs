using System.Diagnostics.Metrics;

namespace FeedbackRedis.Diagnostics;

/// <summary>A counter under its current name and its deprecated aliases.</summary>
public sealed class FeedbackCounter
{
    private readonly Counter<long>[] _instruments;

    internal FeedbackCounter(Counter<long>[] instruments) => _instruments = instruments;

    public void Add(long delta)
    {
        foreach (var instrument in _instruments)
        {
            instrument.Add(delta);
        }
    }

    public void Add(long delta, KeyValuePair<string, object?> tag)
    {
        foreach (var instrument in _instruments)
        {
            instrument.Add(delta, tag);
        }
    }

    public void Add(long delta, KeyValuePair<string, object?> tag1, KeyValuePair<string, object?> tag2)
    {
        foreach (var instrument in _instruments)
        {
            instrument.Add(delta, tag1, tag2);
        }
    }
}
