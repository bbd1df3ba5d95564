using System.Diagnostics.Metrics;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Flushing;
using FeedbackRedis.Sinks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace FeedbackRedis.Tests.Flushing;

[Category(TestCategories.Unit)]
public sealed class FlusherMetricsTests
{
    [Test]
    public void SinkWrite_CountsTheIdConflictsItsResultsReport_BySink()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricCollector<long>(factory, FeedbackTelemetry.MeterName, "feedback.sink.id_conflicts");
        var metrics = new FlusherMetrics(factory);

        metrics.SinkWrite("mongodb", TimeSpan.FromMilliseconds(5),
        [
            BatchWriteResult.Written("a:1") with { IdConflicts = 3 },
            BatchWriteResult.Written("b:1"),
            BatchWriteResult.Written("c:1") with { IdConflicts = 1 },
        ]);

        var measurements = collector.GetMeasurementSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(measurements.Sum(m => m.Value), Is.EqualTo(4));
            Assert.That(measurements.Select(m => m.Tags["sink"]), Has.All.EqualTo("mongodb"));
        });
    }
}
