using System.CommandLine;
using FeedbackRedis.Control;
using FeedbackRedis.DevTools.Kafka;

namespace FeedbackRedis.DevTools;

/// <summary>
/// <c>feedback-dev kafka</c> (was <c>feedbackctl dev kafka</c>): a local mock Kafka cluster for development and the
/// local run, until Ctrl-C or SIGTERM. With <c>--control-port</c> it also listens on loopback for commands that take
/// brokers down and up (<see cref="MockKafkaControl"/>) and prints <c>control=127.0.0.1:PORT</c>.
/// </summary>
internal static class KafkaCommand
{
    public static Command Create(DevContext factory)
    {
        var brokers = new Option<int>("--brokers") { Description = "Brokers (1 to 10)", DefaultValueFactory = _ => 3 };
        brokers.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10)
            {
                r.AddError("--brokers must be from 1 to 10");
            }
        });
        var topics = new Option<string[]>("--topic")
        {
            Description = "A topic to create, as name:partitions (repeatable)",
            DefaultValueFactory = _ => ["feedback.reply.received:6", "feedback.reaction.received:6", "feedback.dlq:1", "feedback.batch.flushed:1"],
            AllowMultipleArgumentsPerToken = true,
        };
        var controlPort = new Option<int?>("--control-port")
        {
            Description = "Listen on 127.0.0.1:PORT (0: any free port) for 'down ID|all', 'up ID|all' and 'status', one a line",
        };
        controlPort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0 or > 65535)
            {
                r.AddError("--control-port must be from 0 to 65535");
            }
        });
        var kafka = new Command("kafka", "Host librdkafka's mock Kafka cluster on loopback until Ctrl-C or SIGTERM; prints the bootstrap servers.")
        {
            brokers, topics, controlPort,
        };
        kafka.SetAction(async (parse, cancellationToken) =>
        {
            var wanted = parse.GetValue(topics)!.Select(ParseTopic).ToList();
            using var cluster = MockKafkaCluster.Start(parse.GetValue(brokers));
            cluster.SetGroupInitialRebalanceDelay(TimeSpan.FromMilliseconds(500));
            foreach (var (name, partitions) in wanted)
            {
                cluster.CreateTopic(name, partitions);
            }

            await using var control = parse.GetValue(controlPort) is { } port ? MockKafkaControl.Start(cluster, port) : null;
            await factory.Output.WriteLineAsync($"bootstrap.servers={cluster.BootstrapServers}");
            if (control is not null)
            {
                await factory.Output.WriteLineAsync($"control=127.0.0.1:{control.Port}");
            }

            await factory.Output.WriteLineAsync($"topics: {string.Join(", ", wanted.Select(t => $"{t.Name} ({t.Partitions})"))}");
            await factory.Output.WriteLineAsync("Ctrl-C stops the cluster; its data is gone with it.");
            await factory.Output.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await factory.Output.WriteLineAsync("stopped");
            }

            return CtlExit.Ok;
        });
        return kafka;
    }

    private static (string Name, int Partitions) ParseTopic(string spec)
    {
        int colon = spec.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(spec[(colon + 1)..], out int partitions) || partitions is < 1 or > 1000)
        {
            throw new CtlUsageException($"--topic '{spec}': expected name:partitions with 1 to 1000 partitions");
        }

        return (spec[..colon], partitions);
    }
}
