using FeedbackRedis.Sinks.MongoDb;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

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
}
