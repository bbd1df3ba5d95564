using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Kafka;

public sealed class SourceIdsTests
{
    [TestCase("MkU3OEVBNTcwNTJENDM2Qg")]
    [TestCase("mockCluster7f3a9c0012a0")]
    [TestCase("eu-prod.2_b")]
    [TestCase("a")]
    public void Explain_IsNull_ForASourceId(string sourceId)
    {
        Assert.That(SourceIds.Explain(sourceId), Is.Null);
    }

    [TestCase("", "it is empty")]
    [TestCase("eu/prod", "it holds '/' (U+002F)")]
    [TestCase("lkc:1", "it holds ':' (U+003A)")]
    [TestCase("caf\u00e9", "it holds '\u00e9' (U+00E9)")]
    public void Explain_SaysWhy(string sourceId, string expected)
    {
        Assert.That(SourceIds.Explain(sourceId), Is.EqualTo(expected));
    }

    [Test]
    public void Explain_AllowsAtMost64Characters()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SourceIds.Explain(new string('s', 64)), Is.Null);
            Assert.That(SourceIds.Explain(new string('s', 65)), Is.EqualTo("it is 65 characters long"));
        });
    }

    [Test]
    public async Task ClusterId_ComesFromTheBrokers_IsStableAndDiffersBetweenClusters()
    {
        using var one = MockKafkaCluster.Start(1);
        using var two = MockKafkaCluster.Start(1);

        string first = await Fetch(one.BootstrapServers, TimeSpan.FromSeconds(20));
        string again = await Fetch(one.BootstrapServers, TimeSpan.FromSeconds(20));
        string other = await Fetch(two.BootstrapServers, TimeSpan.FromSeconds(20));

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Match("^mockCluster[0-9a-f]+$"), "librdkafka's mock cluster reports an id of its own");
            Assert.That(SourceIds.Explain(first), Is.Null, "and it is a usable source id");
            Assert.That(again, Is.EqualTo(first));
            Assert.That(other, Is.Not.EqualTo(first));
        });
    }

    [Test]
    public async Task ClusterId_UnreachableWithinTheBudget_SaysToSetFeedbackSourceId()
    {
        var ex = await Assert.ThrowsAsync<SourceIdUnavailableException>(() => Fetch("127.0.0.1:1", TimeSpan.FromSeconds(2)));

        Assert.That(ex!.Message, Does.StartWith("could not learn the Kafka cluster id from 127.0.0.1:1 within 2 s")
            .And.EndWith("Check FEEDBACK_KAFKA_BOOTSTRAP_SERVERS and the security settings, or set FEEDBACK_SOURCE_ID."));
    }

    [Test]
    public async Task Resolver_FeedbackSourceIdEmpty_TakesTheClusterId()
    {
        using var cluster = MockKafkaCluster.Start(1);
        var identity = new SourceIdentity();

        await Resolver(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }, identity).StartAsync(CancellationToken.None);

        Assert.That(identity.Id, Is.EqualTo(await Fetch(cluster.BootstrapServers, TimeSpan.FromSeconds(20))));
    }

    [Test]
    public async Task Resolver_FeedbackSourceIdSet_TakesItWithoutAskingAnyBroker()
    {
        var identity = new SourceIdentity();
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Resolver(new KafkaOptions { BootstrapServers = "127.0.0.1:1", SourceId = "eu-prod.2" }, identity).StartAsync(CancellationToken.None);

        Assert.That(identity.Id, Is.EqualTo("eu-prod.2"));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "no broker round trip");
    }

    [Test]
    public void SourceIdentity_IsSetOnce_AndRefusesWhatIsNotASourceId()
    {
        var identity = new SourceIdentity("a");

        Assert.Multiple(() =>
        {
            Assert.That(identity.IsKnown, Is.True);
            Assert.Throws<InvalidOperationException>(() => new SourceIdentity("a").Set("b"));
            Assert.DoesNotThrow(() => identity.Set("a"), "the same id again is fine");
            Assert.Throws<ArgumentException>(() => _ = new SourceIdentity("a/b"));
            Assert.Throws<InvalidOperationException>(() => _ = new SourceIdentity().Id);
        });
    }

    private static Task<string> Fetch(string bootstrap, TimeSpan budget) =>
        SourceIds.FetchClusterIdAsync(new KafkaOptions { BootstrapServers = bootstrap }, TimeProvider.System, budget, CancellationToken.None);

    private static SourceIdResolver Resolver(KafkaOptions kafka, SourceIdentity identity) =>
        new(Options.Create(kafka), identity, TimeProvider.System, NullLogger<SourceIdResolver>.Instance);
}
