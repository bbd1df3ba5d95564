using BenchmarkDotNet.Running;
using FeedbackRedis.Benchmarks;
using FeedbackRedis.Benchmarks.Consumer;

// append --redis HOST:PORT [--events N] [--agents N] [--concurrency N] [--chunk N] [--item-bytes N] [--mode M]
//                        engine append throughput (scripts/bench.sh)
// cycle --redis HOST:PORT [--events N] [--agents N] [--concurrency N] [--claimers N] [--chunk N] [--mode M]
//                        the whole life cycle: append, seal, claim, ack (scripts/bench.sh)
// memory --redis HOST:PORT [--events N] [--agents N] [--item-bytes N]   Redis memory per pending event
// append and cycle also take [--batch-size N] [--shards N] (FEEDBACK_REDIS_SHARDS: the cluster key layout)
// growth --redis HOST:PORT [--cluster H:P,H:P,H:P] [--parts grid,memory,backlog,scan,shards] [--events N] [--repeat N]
//        [--item-bytes N] [--max-agents N] [--backlog N] [--backlog-events N] [--scan-batches N] [--point-timeout-s N]
//                        cost growth curves, a markdown report (scripts/bench.sh growth)
// consumer ...           the consumer pipeline against a bare Confluent.Kafka consumer, as processes (scripts/bench-consumer.sh)
// consumer-bare ...      one bare consumer process, started by the "consumer" mode
// consumer-stages ...    classification and Redis append measured alone, in this process
// anything else          BenchmarkDotNet's switcher (e.g. --filter *Append*, with FEEDBACK_BENCH_REDIS=HOST:PORT)
try
{
    return await RunAsync(args);
}
catch (ArgumentException ex) when (ex.GetType() == typeof(ArgumentException))
{
    Console.Error.WriteLine($"error: {ex.Message}"); // a bad --name value: say which, no stack trace
    return 2;
}

static async Task<int> RunAsync(string[] args) => args.FirstOrDefault() switch
{
    "append" => await AppendThroughput.RunAsync(BenchArgs.Parse(args[1..])),
    "cycle" => await FullCycle.RunAsync(BenchArgs.Parse(args[1..])),
    "memory" => await PendingMemory.RunAsync(BenchArgs.Parse(args[1..])),
    "growth" => await Growth.RunAsync(BenchArgs.Parse(args[1..])),
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
