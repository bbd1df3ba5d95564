using System.Text;
using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>Events shaped like the consumer's items, over agents with a hot-agent skew, and stores to append them to.</summary>
internal static class BenchEvents
{
    public static BatchEvent[] Make(int count, int agents, int itemBytes, int seed = 42)
    {
        var random = new Random(seed);
        var events = new BatchEvent[count];
        string padding = new('x', Math.Max(0, itemBytes - 190));
        for (int i = 0; i < count; i++)
        {
            int agent = random.NextDouble() < 0.2 ? random.Next(Math.Max(1, agents / 100)) : random.Next(agents);
            string id = $"feedback.reply.received/{i % 6}/{i}";
            string agentId = $"agent-{agent}";
            var item = new StringBuilder(itemBytes + 16)
                .Append("{\"eventId\":\"").Append(id).Append("\",\"agentId\":\"").Append(agentId)
                .Append("\",\"type\":\"reply\",\"messageId\":\"m-").Append(i)
                .Append("\",\"conversationId\":\"c-").Append(i % 977)
                .Append("\",\"occurredAt\":\"2026-11-23T12:00:00.000Z\",\"text\":\"").Append(padding).Append("\"}")
                .ToString();
            events[i] = new BatchEvent(id, agentId, item);
        }

        return events;
    }

    public static RedisBatchStore Store(IConnectionMultiplexer redis, BatchingOptions options) =>
        new(redis, Options.Create(options), TimeProvider.System);

    public static IConnectionMultiplexer Connect(string endpoint) =>
        RedisConnection.Connect(new RedisOptions { ConnectionString = endpoint + ",allowAdmin=true,syncTimeout=30000,asyncTimeout=30000" }, "feedback-bench");

    public static double AverageItemBytes(BatchEvent[] events) => events.Average(e => Encoding.UTF8.GetByteCount(e.Item));
}
