using FeedbackRedis.Configuration;
using FeedbackRedis.Sinks.MongoDb;
using Microsoft.Extensions.Configuration;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

[Category(TestCategories.Unit)]
public sealed class MongoSinkOptionsValidatorTests
{
    [Test]
    public void Defaults_AreValid() =>
        Assert.That(new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions()).Succeeded, Is.True);

    [TestCase("0")]
    [TestCase("51")]
    [TestCase("acknowledged")]
    public void UnacknowledgedOrUnknownWriteConcern_Fails(string writeConcern)
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { WriteConcern = writeConcern });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_MONGODB_WRITE_CONCERN (Feedback:MongoDb:WriteConcern)").And.Contain("majority or 1 to 50"));
    }

    [Test]
    public void BadUri_FailsWithoutShowingIt()
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { Uri = "http://user:secret@host" });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_MONGODB_URI").And.Not.Contain("secret"));
    }

    [Test]
    public void SystemCollectionOrDottedDatabase_Fails()
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { EventsCollection = "system.views", Database = "a.b" });

        Assert.That(result.FailureMessage, Does.Contain("FEEDBACK_MONGODB_EVENTS_COLLECTION").And.Contain("FEEDBACK_MONGODB_DATABASE"));
    }

    [TestCase(0)]
    [TestCase(10_001)]
    public void MaxReactionNamesOutOfRange_FailsNamingTheSettingAndRange(int value)
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { MaxReactionNames = value });

        Assert.That(result.FailureMessage, Does.Contain($"FEEDBACK_MAX_REACTION_NAMES (Feedback:MongoDb:MaxReactionNames) is {value}; allowed: 1 to 10,000."));
    }

    [TestCase(1)]
    [TestCase(10_000)]
    public void MaxReactionNamesAtItsBounds_IsValid(int value) =>
        Assert.That(new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { MaxReactionNames = value }).Succeeded, Is.True);

    [Test]
    public void MaxReactionNames_DefaultsTo100_AndIsReadFromItsEnvironmentName()
    {
        var configuration = new ConfigurationBuilder().AddFeedbackEnvironment(new Dictionary<string, string?> { ["FEEDBACK_MAX_REACTION_NAMES"] = "250" }).Build();

        var options = configuration.GetSection(MongoSinkOptions.Section).Get<MongoSinkOptions>();

        Assert.Multiple(() =>
        {
            Assert.That(new MongoSinkOptions().MaxReactionNames, Is.EqualTo(100));
            Assert.That(options?.MaxReactionNames, Is.EqualTo(250));
        });
    }

    [TestCase(1)]
    [TestCase(3_651)]
    public void ContributionRetentionDaysOutOfRange_FailsNamingTheSettingAndRange(int days)
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { ContributionRetentionDays = days, CompleteOwnersAfterMinutes = 5 });

        Assert.That(result.FailureMessage, Does.Contain($"Feedback:MongoDb:ContributionRetentionDays is {days}; allowed: 2 to 3,650."));
    }

    [TestCase(4)]
    [TestCase(10_081)]
    public void CompleteOwnersAfterMinutesOutOfRange_FailsNamingTheSettingAndRange(int minutes)
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { CompleteOwnersAfterMinutes = minutes });

        Assert.That(result.FailureMessage, Does.Contain($"Feedback:MongoDb:CompleteOwnersAfterMinutes is {minutes}; allowed: 5 to 10,080."));
    }

    [Test]
    public void CompletingOwnersNoEarlierThanTheRetentionHorizon_Fails_AndJustBeforeItPasses()
    {
        var atHorizon = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { ContributionRetentionDays = 2, CompleteOwnersAfterMinutes = 1_440 });
        var before = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { ContributionRetentionDays = 2, CompleteOwnersAfterMinutes = 1_439 });

        Assert.Multiple(() =>
        {
            Assert.That(atHorizon.FailureMessage, Does.Contain("Feedback:MongoDb:CompleteOwnersAfterMinutes is '1440'; allowed: less than ContributionRetentionDays minus one day (1,440 minutes)."));
            Assert.That(before.Succeeded, Is.True);
        });
    }

    [Test]
    public void ContributionsCollection_IsCheckedLikeTheOtherCollections_AndDefaultsToAppliedContributions()
    {
        var result = new MongoSinkOptionsValidator().Validate(null, new MongoSinkOptions { ContributionsCollection = "system.x" });

        Assert.Multiple(() =>
        {
            Assert.That(result.FailureMessage, Does.Contain("Feedback:MongoDb:ContributionsCollection"));
            Assert.That(new MongoSinkOptions().ContributionsCollection, Is.EqualTo("applied_contributions"));
            Assert.That((new MongoSinkOptions().ContributionRetentionDays, new MongoSinkOptions().CompleteOwnersAfterMinutes), Is.EqualTo((30, 60)));
        });
    }
}
