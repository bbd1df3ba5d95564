using System.Globalization;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.Diagnostics;

/// <summary>
/// The standard <c>OTEL_*</c> variables tracing depends on, read and checked at start-up (docs/OPERATIONS.md, "Tracing").
/// Tracing is on when <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, unless
/// <c>OTEL_SDK_DISABLED=true</c> or <c>OTEL_TRACES_EXPORTER=none</c>. When it is on, the variables below are checked and a
/// bad one stops start-up with a sentence naming it (<see cref="FeedbackConfigurationException"/>); the OpenTelemetry SDK
/// then reads them itself, as the specification defines them.
/// </summary>
/// <param name="Enabled">Whether spans are recorded and exported.</param>
/// <param name="Why">Why tracing is off (empty when on).</param>
/// <param name="Endpoint">The traces endpoint, user info and query left out (for the log).</param>
/// <param name="Protocol"><c>grpc</c> or <c>http/protobuf</c>.</param>
/// <param name="Sampler">The sampler name, and its argument for the ratio samplers.</param>
/// <param name="ServiceName">The <c>service.name</c>: <c>OTEL_SERVICE_NAME</c>, else the one in <c>OTEL_RESOURCE_ATTRIBUTES</c>, else <see cref="DefaultServiceName"/>.</param>
/// <param name="ServiceNameSet">True when the environment names the service (the SDK's resource detection keeps it).</param>
/// <param name="LinkLimit">Links per span (<c>OTEL_SPAN_LINK_COUNT_LIMIT</c>).</param>
public sealed record FeedbackTracingSettings(
    bool Enabled, string Why, string? Endpoint, string Protocol, string Sampler, string ServiceName, bool ServiceNameSet, int LinkLimit)
{
    /// <summary>The <c>service.name</c> when neither <c>OTEL_SERVICE_NAME</c> nor <c>OTEL_RESOURCE_ATTRIBUTES</c> names one.</summary>
    public const string DefaultServiceName = "feedback-redis";

    /// <summary>Most links per span an operator may ask for: a micro-batch holds at most 10,000 messages.</summary>
    public const int MaxLinkLimit = 10_000;

    private static readonly string[] Samplers =
        ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"];

    private static readonly string[] Protocols = ["grpc", "http/protobuf"];

    /// <summary>Reads and checks the variables from <paramref name="configuration"/> (the environment, in the service).</summary>
    public static FeedbackTracingSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? Get(string name) => string.IsNullOrWhiteSpace(configuration[name]) ? null : configuration[name]!.Trim();

        string? disabled = Get("OTEL_SDK_DISABLED");
        if (disabled is not null && !bool.TryParse(disabled, out _))
        {
            throw Bad("OTEL_SDK_DISABLED", disabled, "true, false");
        }

        string? exporter = Get("OTEL_TRACES_EXPORTER");
        if (exporter is not null && exporter is not ("otlp" or "none"))
        {
            throw Bad("OTEL_TRACES_EXPORTER", exporter, "otlp, none (no other exporter is built in)");
        }

        string endpointName = Get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") is null ? "OTEL_EXPORTER_OTLP_ENDPOINT" : "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
        string? endpoint = Get(endpointName);
        if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0))
        {
            throw Bad(endpointName, endpoint, "an absolute http:// or https:// URL, e.g. http://otel-collector:4317");
        }

        string? why = disabled is not null && bool.Parse(disabled) ? "OTEL_SDK_DISABLED is true"
            : exporter == "none" ? "OTEL_TRACES_EXPORTER is none"
            : endpoint is null ? "neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set"
            : null;
        if (why is not null)
        {
            return new(false, why, null, "", "", DefaultServiceName, false, DefaultLinkLimit);
        }

        string protocolName = Get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") is null ? "OTEL_EXPORTER_OTLP_PROTOCOL" : "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
        string protocol = Get(protocolName) ?? "grpc";
        if (!Protocols.Contains(protocol, StringComparer.Ordinal))
        {
            throw Bad(protocolName, protocol, string.Join(", ", Protocols));
        }

        string sampler = Get("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on";
        if (!Samplers.Contains(sampler, StringComparer.Ordinal))
        {
            throw Bad("OTEL_TRACES_SAMPLER", sampler, string.Join(", ", Samplers));
        }

        if (sampler.EndsWith("traceidratio", StringComparison.Ordinal))
        {
            string ratio = Get("OTEL_TRACES_SAMPLER_ARG") ?? "1.0";
            if (!double.TryParse(ratio, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || r is < 0 or > 1 || double.IsNaN(r))
            {
                throw Bad("OTEL_TRACES_SAMPLER_ARG", ratio, $"a ratio from 0 to 1 for {sampler}, e.g. 0.25");
            }

            sampler = $"{sampler} {ratio}";
        }

        int linkLimit = DefaultLinkLimit;
        if (Get("OTEL_SPAN_LINK_COUNT_LIMIT") is { } limit
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out linkLimit) || linkLimit > MaxLinkLimit))
        {
            throw Bad("OTEL_SPAN_LINK_COUNT_LIMIT", limit, $"0 to {MaxLinkLimit:N0}");
        }

        CheckPairs("OTEL_RESOURCE_ATTRIBUTES", Get("OTEL_RESOURCE_ATTRIBUTES"), quoteValues: true, out var attributes);
        CheckPairs("OTEL_EXPORTER_OTLP_HEADERS", Get("OTEL_EXPORTER_OTLP_HEADERS"), quoteValues: false, out _);
        CheckPairs("OTEL_EXPORTER_OTLP_TRACES_HEADERS", Get("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), quoteValues: false, out _);
        string? serviceName = Get("OTEL_SERVICE_NAME") ?? attributes.GetValueOrDefault("service.name");
        return new(true, "", Printable(new Uri(endpoint!)), protocol, sampler, serviceName ?? DefaultServiceName, serviceName is not null, linkLimit);
    }

    /// <summary>
    /// Checks a <c>key=value,key=value</c> list (W3C baggage form, as the specification gives it). Header values may be
    /// secrets: a bad entry is named by its position, never quoted.
    /// </summary>
    private static void CheckPairs(string name, string? value, bool quoteValues, out Dictionary<string, string> pairs)
    {
        pairs = new(StringComparer.Ordinal);
        if (value is null)
        {
            return;
        }

        string[] entries = value.Split(',');
        for (int i = 0; i < entries.Length; i++)
        {
            int equals = entries[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || entries[i][..equals].Trim().Length == 0)
            {
                throw new FeedbackConfigurationException(quoteValues
                    ? $"{name} entry '{entries[i].Trim()}' is not key=value; expected key=value pairs separated by ',', e.g. deployment.environment.name=prod"
                    : $"{name} entry {i + 1} of {entries.Length} is not key=value; expected key=value pairs separated by ','");
            }

            pairs[entries[i][..equals].Trim()] = Uri.UnescapeDataString(entries[i][(equals + 1)..].Trim());
        }
    }

    private static FeedbackConfigurationException Bad(string name, string value, string allowed) =>
        new($"{name} is '{value}'; allowed: {allowed}");

    /// <summary>The endpoint without user info, query or fragment: what may be logged.</summary>
    private static string Printable(Uri uri) => uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    private const int DefaultLinkLimit = FeedbackTracing.DefaultLinkLimit;
}
