using System.Diagnostics.Metrics;

namespace FeedbackRedis.Diagnostics;

/// <summary>A histogram under its current name and its deprecated aliases.</summary>
public sealed class FeedbackHistogram<T>
    where T : struct
{
    private readonly Histogram<T>[] _instruments;

    internal FeedbackHistogram(Histogram<T>[] instruments) => _instruments = instruments;

    public void Record(T value, KeyValuePair<string, object?> tag)
    {
        foreach (var instrument in _instruments)
        {
            instrument.Record(value, tag);
        }
    }

    public void Record(T value, KeyValuePair<string, object?> tag1, KeyValuePair<string, object?> tag2)
    {
        foreach (var instrument in _instruments)
        {
            instrument.Record(value, tag1, tag2);
        }
    }
}
