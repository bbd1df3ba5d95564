using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Benchmarks.Consumer;

/// <summary>
/// The baseline: a Confluent.Kafka consumer with the pipeline's own consumer settings that only counts messages. It
/// prints <c>progress N</c> whenever its count changed (at most every 20 ms) and stops after <c>--seconds</c> or when
/// its standard input closes.
/// Arguments: bootstrap group topic1,topic2 seconds.
/// </summary>
internal static class BareConsumer
{
    public static int Run(string[] args)
    {
        var kafka = new KafkaOptions { BootstrapServers = args[0], GroupId = args[1] };
        var config = IngestionKafkaConfig.Consumer(kafka, new ConsumerOptions { CommitInterval = TimeSpan.FromSeconds(1), SessionTimeout = TimeSpan.FromSeconds(10) });
        config.EnableAutoOffsetStore = true;
        var limit = TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(args[2].Split(','));
        long count = 0;
        long reported = 0;
        var clock = Stopwatch.StartNew();
        var lastReport = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(20)) is { Message: not null })
            {
                count++;
            }

            if (count != reported && lastReport.ElapsedMilliseconds >= 20)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress {count}"));
                reported = count;
                lastReport.Restart();
            }
        }

        consumer.Close();
        return 0;
    }
}
