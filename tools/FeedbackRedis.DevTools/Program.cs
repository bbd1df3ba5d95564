using System.Runtime.InteropServices;
using FeedbackRedis.DevTools;

// Not disposed: a signal handler may still be running on another thread while Main returns (a second SIGTERM, or one
// that lands as the run ends), and cancelling a disposed source throws; the process ends right after Main anyway.
var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
// scripts/run-local.sh stops its processes with SIGTERM: end as on Ctrl-C (the mock cluster says "stopped").
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    cancel.Cancel();
});
return await FeedbackDev.RunAsync(args, Console.Out, Console.Error, cancel.Token);
