using FeedbackRedis.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class IngestionMetricsTests
{
    [Test]
    public void DeadLetters_AreCountedByReason()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricCollector<long>(factory, FeedbackRedis.Diagnostics.FeedbackTelemetry.MeterName, "feedback.consumer.dead_letters");
        var metrics = new IngestionMetrics(factory);

        metrics.DeadLettered(DeadLetterReason.NotJson);
        metrics.DeadLettered(DeadLetterReason.NotJson);
        metrics.DeadLettered(DeadLetterReason.TooLarge);

        var byReason = collector.GetMeasurementSnapshot()
            .GroupBy(m => (string)m.Tags["reason"]!)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.That(byReason, Is.EquivalentTo(new Dictionary<string, long> { ["not-json"] = 2, ["too-large"] = 1 }));
    }
}
