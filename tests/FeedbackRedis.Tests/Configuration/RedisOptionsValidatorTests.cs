using FeedbackRedis.Configuration;

namespace FeedbackRedis.Tests.Configuration;

public sealed class RedisOptionsValidatorTests
{
    private static readonly RedisOptionsValidator Validator = new();

    private static string Failure(RedisOptions options)
    {
        var result = Validator.Validate(null, options);
        Assert.That(result.Failed, Is.True, "expected a refusal");
        return result.FailureMessage ?? "";
    }

    [Test]
    public void Validate_DefaultsAndAFullConnectionString_AreValid()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Validator.Validate(null, new RedisOptions()).Succeeded, Is.True);
            Assert.That(Validator.Validate(null, new RedisOptions
            {
                ConnectionString = "redis-0:6379,redis-1:6380,password=s3cret,ssl=true,abortConnect=false,syncTimeout=5000",
                EvictionCheck = StartupCheckMode.Warn,
                PersistenceCheck = StartupCheckMode.Warn,
            }).Succeeded, Is.True);
        });
    }

    [TestCase("")]
    [TestCase("   ")]
    public void Validate_EmptyConnectionString_IsRefused(string connection)
    {
        Assert.That(Failure(new RedisOptions { ConnectionString = connection }),
            Does.StartWith("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) is empty; allowed: a StackExchange.Redis connection string"));
    }

    [Test]
    public void Validate_UnknownOption_IsRefusedNamingItAndNeverThePassword()
    {
        string message = Failure(new RedisOptions { ConnectionString = "redis:6379,password=hunter2,bogus=1" });

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.StartWith("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) cannot be read (Keyword 'bogus' is not supported)"));
            Assert.That(message, Does.Not.Contain("hunter2"));
        });
    }

    [Test]
    public void Validate_BadOptionValue_IsRefusedWithoutQuotingTheString()
    {
        string message = Failure(new RedisOptions { ConnectionString = "redis:6379,password=hunter2,ssl=maybe" });

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) cannot be read (").And.Contain("ssl"));
            Assert.That(message, Does.Not.Contain("hunter2"));
        });
    }

    [Test]
    public void Validate_ConnectionStringWithoutAnEndpoint_IsRefused()
    {
        Assert.That(Failure(new RedisOptions { ConnectionString = "password=hunter2" }),
            Does.StartWith("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) names no host:port").And.Not.Contain("hunter2"));
    }

    [Test]
    public void Validate_UndefinedStartUpCheckMode_IsRefusedWithTheChoices()
    {
        Assert.That(Failure(new RedisOptions { PersistenceCheck = (StartupCheckMode)7 }),
            Does.Contain("FEEDBACK_REDIS_PERSISTENCE_CHECK (Feedback:Redis:PersistenceCheck) is 7; allowed: refuse, warn."));
    }
}
