using FeedbackRedis.Configuration;
using FeedbackRedis.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>The <c>OTEL_*</c> variables tracing reads: on only with an endpoint, and every bad value named at start-up.</summary>
public sealed class FeedbackTracingSettingsTests
{
    private static FeedbackTracingSettings Read(params (string Name, string Value)[] variables) =>
        FeedbackTracingSettings.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(v => new KeyValuePair<string, string?>(v.Name, v.Value)))
            .Build());

    private static string Refused(params (string Name, string Value)[] variables) =>
        Assert.Throws<FeedbackConfigurationException>(() => Read(variables))!.Message;

    [Test]
    public void WithoutAnEndpoint_TracingIsOff_AndSaysWhy()
    {
        var settings = Read(("OTEL_SERVICE_NAME", "x"), ("OTEL_TRACES_SAMPLER", "not-checked-while-off"));

        Assert.Multiple(() =>
        {
            Assert.That(settings.Enabled, Is.False);
            Assert.That(settings.Why, Is.EqualTo("neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set"));
        });
    }

    [Test]
    public void Endpoint_TurnsItOn_WithTheSpecificationDefaultsAndServiceNameFeedbackRedis()
    {
        var settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.monitoring:4317"));

        Assert.Multiple(() =>
        {
            Assert.That(settings.Enabled, Is.True);
            Assert.That(settings.Endpoint, Is.EqualTo("http://collector.monitoring:4317/"));
            Assert.That(settings.Protocol, Is.EqualTo("grpc"));
            Assert.That(settings.Sampler, Is.EqualTo("parentbased_always_on"));
            Assert.That(settings.ServiceName, Is.EqualTo("feedback-redis"));
            Assert.That(settings.ServiceNameSet, Is.False);
            Assert.That(settings.LinkLimit, Is.EqualTo(128));
        });
    }

    [Test]
    public void TracesEndpointAndProtocol_BeatTheGeneralOnes_AndTheLoggedEndpointHasNoCredentials()
    {
        var settings = Read(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4317"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://user:secret@traces.example:4318/v1/traces?token=abc"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"));

        Assert.Multiple(() =>
        {
            Assert.That(settings.Endpoint, Is.EqualTo("https://traces.example:4318/v1/traces"));
            Assert.That(settings.Protocol, Is.EqualTo("http/protobuf"));
        });
    }

    [Test]
    public void OtelSdkDisabledOrTracesExporterNone_TurnItOff_EvenWithAnEndpoint()
    {
        var disabled = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_SDK_DISABLED", "true"));
        var none = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_TRACES_EXPORTER", "none"));

        Assert.Multiple(() =>
        {
            Assert.That(disabled.Enabled, Is.False);
            Assert.That(disabled.Why, Is.EqualTo("OTEL_SDK_DISABLED is true"));
            Assert.That(none.Enabled, Is.False);
            Assert.That(none.Why, Is.EqualTo("OTEL_TRACES_EXPORTER is none"));
        });
    }

    [Test]
    public void ServiceName_ComesFromOtelServiceName_ElseFromOtelResourceAttributes()
    {
        var named = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_SERVICE_NAME", "feedback-eu"), ("OTEL_RESOURCE_ATTRIBUTES", "service.name=other"));
        var attributed = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,service.name=fb-prod"));

        Assert.Multiple(() =>
        {
            Assert.That(named.ServiceName, Is.EqualTo("feedback-eu"));
            Assert.That(named.ServiceNameSet, Is.True);
            Assert.That(attributed.ServiceName, Is.EqualTo("fb-prod"));
            Assert.That(attributed.ServiceNameSet, Is.True);
        });
    }

    [Test]
    public void RatioSampler_TakesItsArgument_AndTheLinkLimitComesFromOtelSpanLinkCountLimit()
    {
        var settings = Read(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_SPAN_LINK_COUNT_LIMIT", "16"));

        Assert.Multiple(() =>
        {
            Assert.That(settings.Sampler, Is.EqualTo("parentbased_traceidratio 0.25"));
            Assert.That(settings.LinkLimit, Is.EqualTo(16));
        });
    }

    [TestCase("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT is 'collector:4317'; allowed: an absolute http:// or https:// URL")]
    [TestCase("OTEL_EXPORTER_OTLP_ENDPOINT", "/v1/traces", "OTEL_EXPORTER_OTLP_ENDPOINT is '/v1/traces'; allowed: an absolute http:// or https:// URL")]
    [TestCase("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://c/", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is 'ftp://c/'; allowed: an absolute http://")]
    [TestCase("OTEL_SDK_DISABLED", "yes", "OTEL_SDK_DISABLED is 'yes'; allowed: true, false")]
    [TestCase("OTEL_TRACES_EXPORTER", "zipkin", "OTEL_TRACES_EXPORTER is 'zipkin'; allowed: otlp, none")]
    public void BadValueDecidingOnOrOff_IsRefused_EvenWithoutTracing(string name, string value, string message)
    {
        Assert.That(Refused((name, value)), Does.StartWith(message));
    }

    [TestCase("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_PROTOCOL is 'http/json'; allowed: grpc, http/protobuf")]
    [TestCase("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "udp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is 'udp'; allowed: grpc, http/protobuf")]
    [TestCase("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER is 'sometimes'; allowed: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio")]
    [TestCase("OTEL_SPAN_LINK_COUNT_LIMIT", "-1", "OTEL_SPAN_LINK_COUNT_LIMIT is '-1'; allowed: 0 to 10,000")]
    [TestCase("OTEL_SPAN_LINK_COUNT_LIMIT", "10001", "OTEL_SPAN_LINK_COUNT_LIMIT is '10001'; allowed: 0 to 10,000")]
    [TestCase("OTEL_SPAN_LINK_COUNT_LIMIT", "lots", "OTEL_SPAN_LINK_COUNT_LIMIT is 'lots'; allowed: 0 to 10,000")]
    [TestCase("OTEL_RESOURCE_ATTRIBUTES", "team=fb,prod", "OTEL_RESOURCE_ATTRIBUTES entry 'prod' is not key=value")]
    public void BadValue_WhenTracingIsOn_IsRefusedNamingTheVariableTheValueAndWhatIsAllowed(string name, string value, string message)
    {
        Assert.That(Refused(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), (name, value)), Does.StartWith(message));
    }

    [TestCase("traceidratio", "1.5")]
    [TestCase("parentbased_traceidratio", "half")]
    [TestCase("traceidratio", "-0.1")]
    public void Ratio_Outside0To1_IsRefused(string sampler, string ratio)
    {
        string message = Refused(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_TRACES_SAMPLER", sampler), ("OTEL_TRACES_SAMPLER_ARG", ratio));

        Assert.That(message, Does.StartWith($"OTEL_TRACES_SAMPLER_ARG is '{ratio}'; allowed: a ratio from 0 to 1 for {sampler}"));
    }

    [Test]
    public void BadHeaderEntry_IsNamedByItsPosition_AndNeverQuoted()
    {
        string message = Refused(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret,Bearer-t0ken"));

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.StartWith("OTEL_EXPORTER_OTLP_HEADERS entry 2 of 2 is not key=value"));
            Assert.That(message, Does.Not.Contain("s3cret").And.Not.Contain("t0ken"));
        });
    }
}
