using BenchmarkDotNet.Running;
using FeedbackRedis.Benchmarks.Consumer;

// "consumer": the consumer pipeline against a bare Confluent.Kafka consumer, as processes (docs/BENCHMARKS-consumer.md).
// "consumer-bare": one bare consumer process, started by the "consumer" mode.
// "consumer-stages": classification and Redis append measured alone, in this process.
// Anything else: BenchmarkDotNet's switcher.
switch (args.FirstOrDefault())
{
    case "consumer":
        return await ConsumerBenchmark.RunAsync(args[1..]);
    case "consumer-bare":
        return BareConsumer.Run(args[1..]);
    case "consumer-stages":
        return await ConsumerStages.RunAsync(args[1..]);
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
}
