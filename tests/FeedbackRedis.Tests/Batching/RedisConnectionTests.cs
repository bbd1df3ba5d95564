using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;

namespace FeedbackRedis.Tests.Batching;

[Category(TestCategories.Unit)]
public sealed class RedisConnectionTests
{
    [Test]
    public void Redacted_KeepsTheEndpointAndDropsThePassword()
    {
        var options = new RedisOptions { ConnectionString = "redis-master:6379,password=s3cr3t-Pa55,user=feedback,ssl=true" };

        string shown = RedisConnection.Redacted(options);

        Assert.That(shown, Does.Contain("redis-master:6379").And.Not.Contain("s3cr3t-Pa55"));
    }
}
