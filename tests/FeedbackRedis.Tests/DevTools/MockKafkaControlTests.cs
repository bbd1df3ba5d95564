using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using FeedbackRedis.DevTools.Kafka;

namespace FeedbackRedis.Tests.DevTools;

/// <summary>
/// The control port of <c>feedback-dev kafka</c>: over a real loopback connection, against a real librdkafka mock
/// cluster that a real producer uses.
/// </summary>
public sealed class MockKafkaControlTests
{
    [Test]
    public async Task Control_DownAll_StopsDeliveriesUntilUpAll()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 3);
        cluster.CreateTopic("t.control", 3);
        await using var control = MockKafkaControl.Start(cluster);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            MessageTimeoutMs = 3000,
            ReconnectBackoffMaxMs = 200,
        }).SetLogHandler((_, _) => { }).Build();
        var before = await producer.ProduceAsync("t.control", new Message<Null, string> { Value = "before" });
        Assert.That(before.Status, Is.EqualTo(PersistenceStatus.Persisted));

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", control.Port);
        using var session = new Session(client);
        Assert.That(await session.Send("down all"), Is.EqualTo("ok down 1,2,3"));
        Assert.That(await session.Send("status"), Is.EqualTo("ok brokers 3; down: 1,2,3"));

        var refused = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            async () => await producer.ProduceAsync("t.control", new Message<Null, string> { Value = "while down" }));
        Assert.That(refused!.Error.Code, Is.EqualTo(ErrorCode.Local_MsgTimedOut), refused.Error.Reason);

        Assert.That(await session.Send("up all"), Is.EqualTo("ok up 1,2,3"));
        Assert.That(await session.Send("status"), Is.EqualTo("ok brokers 3; down: none"));
        DeliveryResult<Null, string>? after = null;
        var until = DateTime.UtcNow.AddSeconds(30);
        while (after is null && DateTime.UtcNow < until)
        {
            try
            {
                after = await producer.ProduceAsync("t.control", new Message<Null, string> { Value = "after" });
            }
            catch (ProduceException<Null, string>)
            {
                // reconnecting
            }
        }

        Assert.That(after?.Status, Is.EqualTo(PersistenceStatus.Persisted), "delivered again once the brokers are up");
    }

    [Test]
    public async Task Control_OneBrokerDown_IsReportedAndBadCommandsAnswerWithAnError()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 3);
        await using var control = MockKafkaControl.Start(cluster);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", control.Port);
        using var session = new Session(client);

        string[] commands = ["down 2", "  status  ", "down 4", "up -1", "sideways 1", "", "up 2", "status"];
        var replies = new List<string?>();
        foreach (string command in commands)
        {
            replies.Add(await session.Send(command));
        }

        Assert.That(replies, Is.EqualTo(new[]
        {
            "ok down 2",
            "ok brokers 3; down: 2",
            "error: '4' is not a broker: expected 1 to 3 or all",
            "error: '-1' is not a broker: expected 1 to 3 or all",
            "error: unknown command 'sideways 1': expected 'down ID|all', 'up ID|all' or 'status'",
            "error: unknown command '': expected 'down ID|all', 'up ID|all' or 'status'",
            "ok up 2",
            "ok brokers 3; down: none",
        }));

        Assert.That(await session.Send(new string('x', MockKafkaControl.MaxLineChars + 1)), Does.StartWith("error: a command line is at most"));
        Assert.That(await session.ReadLine(), Is.Null, "the connection is closed after a line that is too long");
    }

    /// <summary>One connection to the control port: a line out, a line back.</summary>
    private sealed class Session(TcpClient client) : IDisposable
    {
        private readonly StreamReader _reader = new(client.GetStream(), new UTF8Encoding(false), false, 256, leaveOpen: true);
        private readonly StreamWriter _writer = new(client.GetStream(), new UTF8Encoding(false), 256, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };

        public async Task<string?> Send(string line)
        {
            await _writer.WriteLineAsync(line);
            return await ReadLine();
        }

        public async Task<string?> ReadLine()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _reader.ReadLineAsync(timeout.Token);
        }

        public void Dispose()
        {
            _reader.Dispose();
            _writer.Dispose();
        }
    }
}
