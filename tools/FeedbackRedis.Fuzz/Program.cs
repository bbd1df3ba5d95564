using FeedbackRedis.Fuzz;
using SharpFuzz;

// Usage:
//   dotnet FeedbackRedis.Fuzz.dll classify|item           under afl-fuzz (input on stdin, SharpFuzz's fork server)
//   dotnet FeedbackRedis.Fuzz.dll classify|item FILE...   replays inputs once each, prints any violation with its stack
// scripts/fuzz.sh runs it; docs/RELIABILITY.md ("Fuzzing") says what each target checks.
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    await Console.Error.WriteLineAsync($"usage: FeedbackRedis.Fuzz {string.Join('|', FuzzTargets.Names)} [input-file...]");
    return 2;
}

if (args.Length > 1)
{
    return await Replay.RunAsync(target, args[0], args[1..]);
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
