using BenchmarkDotNet.Running;
using FeedbackRedis.Benchmarks;
using FeedbackRedis.Benchmarks.Consumer;

// append --redis HOST:PORT [--events N] [--agents N] [--concurrency N] [--chunk N] [--item-bytes N] [--mode M]
//                        engine append throughput (scripts/bench.sh)
// cycle --redis HOST:PORT [--events N] [--agents N] [--concurrency N] [--claimers N] [--chunk N] [--mode M]
//                        the whole life cycle: append, seal, claim, ack (scripts/bench.sh)
// memory --redis HOST:PORT [--events N] [--agents N] [--item-bytes N]   Redis memory per pending event
// consumer ...           the consumer pipeline against a bare Confluent.Kafka consumer, as processes (scripts/bench-consumer.sh)
// consumer-bare ...      one bare consumer process, started by the "consumer" mode
// consumer-stages ...    classification and Redis append measured alone, in this process
// anything else          BenchmarkDotNet's switcher (e.g. --filter *Append*, with FEEDBACK_BENCH_REDIS=HOST:PORT)
return args.FirstOrDefault() switch
{
    "append" => await AppendThroughput.RunAsync(BenchArgs.Parse(args[1..])),
    "cycle" => await FullCycle.RunAsync(BenchArgs.Parse(args[1..])),
    "memory" => await PendingMemory.RunAsync(BenchArgs.Parse(args[1..])),
    "consumer" => await ConsumerBenchmark.RunAsync(args[1..]),
    "consumer-bare" => BareConsumer.Run(args[1..]),
    "consumer-stages" => await ConsumerStages.RunAsync(args[1..]),
    _ => RunBenchmarkDotNet(args),
};

static int RunBenchmarkDotNet(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(AppendThroughput).Assembly).Run(args);
    return 0;
}
