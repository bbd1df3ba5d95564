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
    public void The_defaults_and_a_full_connection_string_are_valid()
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
    public void An_empty_connection_string_is_refused(string connection)
    {
        Assert.That(Failure(new RedisOptions { ConnectionString = connection }),
            Does.StartWith("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) is empty; allowed: a StackExchange.Redis connection string"));
    }

    [Test]
    public void An_unknown_option_is_refused_naming_it_and_never_the_password()
    {
        string message = Failure(new RedisOptions { ConnectionString = "redis:6379,password=hunter2,bogus=1" });

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.StartWith("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) cannot be read (Keyword 'bogus' is not supported)"));
            Assert.That(message, Does.Not.Contain("hunter2"));
        });
    }

    [Test]
    public void A_bad_option_value_is_refused_and_the_string_not_quoted()
    {
        string message = Failure(new RedisOptions { ConnectionString = "redis:6379,password=hunter2,ssl=maybe" });

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) cannot be read (").And.Contain("ssl"));
            Assert.That(message, Does.Not.Contain("hunter2"));
        });
    }

    [Test]
    public void A_connection_string_without_an_endpoint_is_refused()
    {
        Assert.That(Failure(new RedisOptions { ConnectionString = "password=hunter2" }),
            Does.StartWith("FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) names no host:port").And.Not.Contain("hunter2"));
    }

    [Test]
    public void A_start_up_check_mode_that_is_not_defined_is_refused_with_the_choices()
    {
        Assert.That(Failure(new RedisOptions { PersistenceCheck = (StartupCheckMode)7 }),
            Does.Contain("FEEDBACK_REDIS_PERSISTENCE_CHECK (Feedback:Redis:PersistenceCheck) is 7; allowed: refuse, warn."));
    }
}
