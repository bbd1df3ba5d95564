using BenchmarkDotNet.Running;
using FeedbackRedis.Benchmarks;

// Usage:
//   append --redis HOST:PORT [--events N] [--agents N] [--concurrency N] [--chunk N] [--item-bytes N]
//   memory --redis HOST:PORT [--events N] [--agents N] [--item-bytes N]
//   anything else: BenchmarkDotNet (e.g. --filter *Append*), with FEEDBACK_BENCH_REDIS=HOST:PORT
return args.FirstOrDefault() switch
{
    "append" => await AppendThroughput.RunAsync(BenchArgs.Parse(args[1..])),
    "memory" => await PendingMemory.RunAsync(BenchArgs.Parse(args[1..])),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(AppendThroughput).Assembly).Run(args);
    return 0;
}
