using FeedbackRedis.Items;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Tests.Batching;

[Category(TestCategories.Unit)]
public sealed class KeySchemaTests
{
    [Test]
    public void StandaloneLayout_UsesTheReadableNames()
    {
        var keys = new KeySchema("feedback", 0);

        Assert.Multiple(() =>
        {
            Assert.That((string?)keys.OpenBatch("agent-7"), Is.EqualTo("feedback:batch:agent-7"));
            Assert.That((string?)keys.Deadlines(0), Is.EqualTo("feedback:deadlines"));
            Assert.That((string?)keys.Sealed("agent-7:42"), Is.EqualTo("feedback:sealed:agent-7:42"));
            Assert.That((string?)keys.Meta("agent-7:42"), Is.EqualTo("feedback:meta:agent-7:42"));
            Assert.That((string?)keys.Ready(0), Is.EqualTo("feedback:ready"));
            Assert.That(keys.ShardCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void ClusterLayout_KeepsAMembersKeysInOneHashSlot()
    {
        var keys = new KeySchema("feedback", 16);
        int shard = keys.ShardOf("agent-7");

        Assert.Multiple(() =>
        {
            Assert.That((string?)keys.OpenBatch("agent-7"), Is.EqualTo($"feedback:{{{shard}}}:batch:agent-7"));
            Assert.That((string?)keys.Sealed("agent-7:42"), Is.EqualTo($"feedback:{{{shard}}}:sealed:agent-7:42"));
            Assert.That((string?)keys.Deadlines(shard), Is.EqualTo($"feedback:{{{shard}}}:deadlines"));
            Assert.That(keys.ShardPrefix(shard), Is.EqualTo($"feedback:{{{shard}}}"));
        });
        var used = Enumerable.Range(0, 1000).Select(i => keys.ShardOf($"agent-{i}")).Distinct().Count();
        Assert.That(used, Is.EqualTo(16));
    }

    [TestCase("agent-7:42", "agent-7")]
    [TestCase("#global-3:9", "#global-3")]
    public void MemberOf_IsEverythingBeforeTheLastColon(string batchId, string member) =>
        Assert.That(KeySchema.MemberOf(batchId), Is.EqualTo(member));

    [TestCase(0)]
    [TestCase(12)]
    [TestCase(1024)]
    public void ShardLane_IsAGlobalLaneThatLivesInItsShard(int shards)
    {
        var keys = new KeySchema("feedback", shards);

        var lanes = Enumerable.Range(0, keys.ShardCount).Select(keys.ShardLane).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lanes.Select((lane, shard) => keys.ShardOf(lane) == shard), Is.All.True);
            Assert.That(lanes, Is.All.StartWith(AgentIds.LanePrefix));
            Assert.That(lanes, Is.Unique);
        });
    }
}
