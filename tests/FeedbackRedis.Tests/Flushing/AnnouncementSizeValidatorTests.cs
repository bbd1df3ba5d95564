using FeedbackRedis.Batching;
using FeedbackRedis.Flushing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Flushing;

[Category(TestCategories.Unit)]
public sealed class AnnouncementSizeValidatorTests
{
    private static readonly AnnouncementSizeValidator FullBatches = new(Options.Create(new BatchingOptions { BatchSize = 100_000 }));

    private static int Needed => FlushedBatchMessage.WorstCaseSummaryBytes(100_000) + KafkaFlushedBatchPublisher.EnvelopeReserveBytes;

    [Test]
    public void DefaultLimit_AnnouncesTheLargestBatch() =>
        Assert.That(FullBatches.Validate(null, new FlusherOptions()).Succeeded, Is.True);

    [Test]
    public void Limit_ExactlyTheSummaryWorstCase_PassesAndOneByteLessFailsNamingBothSettings()
    {
        var enough = FullBatches.Validate(null, new FlusherOptions { AnnouncementMaxBytes = Needed });
        var short1 = FullBatches.Validate(null, new FlusherOptions { AnnouncementMaxBytes = Needed - 1 });

        Assert.Multiple(() =>
        {
            Assert.That(enough.Succeeded, Is.True);
            Assert.That(short1.Failed, Is.True);
            Assert.That(short1.FailureMessage, Does.Contain("Feedback:Flusher:AnnouncementMaxBytes")
                .And.Contain("FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize) = 100,000")
                .And.Contain($"{Needed:N0} bytes"));
        });
    }

    [Test]
    public void Flusher_LimitTooSmallForAFullBatch_RefusesToStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Feedback:Flusher:AnnouncementMaxBytes"] = "1500",
            ["Feedback:Batching:BatchSize"] = "100000",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddBatchEngine();
        services.AddFlushing();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<FlusherOptions>>().Value);

        Assert.That(ex!.Message, Does.Contain("AnnouncementMaxBytes").And.Contain("FEEDBACK_BATCH_SIZE"));
    }
}
