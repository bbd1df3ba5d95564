using System.Diagnostics.Metrics;
using FeedbackRedis.Batching;
using FeedbackRedis.Flushing;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// The real meter factory of <c>AddMetrics()</c>, shared by tests that need a recorder but assert nothing on it. Tests
/// about metrics make their own factory and listen to it (<c>MetricCollector</c>), so they see only their own values.
/// </summary>
public static class TestMetrics
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static IMeterFactory Factory { get; } = Services.GetRequiredService<IMeterFactory>();

    public static StoreMetrics Store() => new(Factory);

    public static FlusherMetrics Flusher() => new(Factory);
}
