using System.Diagnostics;
using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// Tracing wired as the service wires it (<see cref="FeedbackTracingSetup.AddFeedbackTracing"/> from <c>OTEL_*</c>
/// settings), plus the SDK's in-memory exporter, so a test sees every span the tracer provider exports. With the
/// settings of <see cref="Off"/> no tracer provider is built and the exporter never sees anything.
/// </summary>
public sealed class TracingHarness : IDisposable
{
    private readonly ServiceProvider _services;

    private TracingHarness(ServiceProvider services, SpanCollection spans)
    {
        _services = services;
        Spans = spans;
        Provider = services.GetService<TracerProvider>();
    }

    /// <summary>
    /// An endpoint where nothing listens (the OTLP exporter's sends fail fast and are dropped), over HTTP with a short
    /// timeout, so nothing waits on it; the in-memory exporter is what the tests read.
    /// </summary>
    public static Dictionary<string, string?> On() => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "500",
    };

    /// <summary>No OTLP endpoint: tracing off.</summary>
    public static Dictionary<string, string?> Off() => [];

    public SpanCollection Spans { get; }

    /// <summary>The tracer provider, or null when tracing is off.</summary>
    public TracerProvider? Provider { get; }

    /// <summary>Tracing on its own service provider, with <paramref name="otel"/> as its configuration.</summary>
    public static TracingHarness Start(IDictionary<string, string?> otel)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(otel).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        var spans = new SpanCollection();
        Register(services, configuration, spans);
        return new TracingHarness(services.BuildServiceProvider(), spans);
    }

    /// <summary>Adds the service's tracing and an in-memory exporter into <paramref name="spans"/> to <paramref name="services"/>.</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration, SpanCollection spans)
    {
        services.AddFeedbackTracing(configuration);
        // Configures the tracer provider only if the service built one: with tracing off this adds nothing that listens.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
    }

    public void Dispose() => _services.Dispose();
}

/// <summary>A thread-safe collection of exported spans (the in-memory exporter adds from whichever thread ends a span).</summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>The spans exported so far.</summary>
    public List<Activity> Snapshot()
    {
        lock (_lock)
        {
            return [.. _spans];
        }
    }

    public List<Activity> Named(string name) => [.. Snapshot().Where(s => s.DisplayName == name)];

    public void Add(Activity item)
    {
        lock (_lock)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_lock)
        {
            return _spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_lock)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_lock)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
