using System.Diagnostics.Metrics;
using System.Text;
using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>Events shaped like the consumer's items, over agents with a hot-agent skew, and stores to append them to.</summary>
internal static class BenchEvents
{
    /// <summary>The engine records its metrics as in the service; nothing here exports them.</summary>
    public static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    /// <summary>
    /// <paramref name="count"/> events over <paramref name="agents"/> agents (20% of them to the hottest 1%), each item
    /// a JSON object like the consumer's, padded to <paramref name="itemBytes"/> bytes (ASCII) where it is shorter.
    /// <paramref name="idTag"/> goes into every event id, so that loads made with different tags never share an id.
    /// </summary>
    public static AppendEvent[] Make(int count, int agents, int itemBytes, int seed = 42, string idTag = "")
    {
        var random = new Random(seed);
        var events = new AppendEvent[count];
        var item = new StringBuilder(itemBytes + 16);
        for (int i = 0; i < count; i++)
        {
            int agent = random.NextDouble() < 0.2 ? random.Next(Math.Max(1, agents / 100)) : random.Next(agents);
            string id = $"feedback.reply.received/{i % 6}/{idTag}{i}";
            string agentId = $"agent-{agent}";
            item.Clear()
                .Append("{\"eventId\":\"").Append(id).Append("\",\"agentId\":\"").Append(agentId)
                .Append("\",\"type\":\"reply\",\"messageId\":\"m-").Append(i)
                .Append("\",\"conversationId\":\"c-").Append(i % 977)
                .Append("\",\"occurredAt\":\"2026-11-23T12:00:00.000Z\",\"text\":\"");
            const string End = "\"}";
            item.Append('x', Math.Max(0, itemBytes - item.Length - End.Length)).Append(End);
            events[i] = AppendEvent.FromJson(id, agentId, item.ToString());
        }

        return events;
    }

    /// <summary>
    /// One event for each of the agents <c>agent-first</c> .. <c>agent-(first+count-1)</c>, in that order: every event
    /// opens a batch of its own (the due-scan bench's open batches).
    /// </summary>
    public static AppendEvent[] OnePerAgent(int first, int count, int itemBytes)
    {
        var events = new AppendEvent[count];
        for (int i = 0; i < count; i++)
        {
            int n = first + i;
            string id = $"feedback.reply.received/scan/{n}";
            string head = $"{{\"eventId\":\"{id}\",\"agentId\":\"agent-{n}\",\"type\":\"reply\",\"text\":\"";
            events[i] = AppendEvent.FromJson(id, $"agent-{n}", head + new string('x', Math.Max(0, itemBytes - head.Length - 2)) + "\"}");
        }

        return events;
    }

    public static RedisBatchStore Store(IConnectionMultiplexer redis, BatchingOptions options, TimeProvider? time = null) =>
        new(redis, Options.Create(options), time ?? TimeProvider.System, new StoreMetrics(Meters));

    public static IConnectionMultiplexer Connect(string endpoint) =>
        RedisConnection.Connect(new RedisOptions { ConnectionString = endpoint + ",allowAdmin=true,syncTimeout=30000,asyncTimeout=30000" }, "feedback-bench");

    public static double AverageItemBytes(AppendEvent[] events) => events.Average(e => e.Item.Length);
}
