using FeedbackRedis.Control;

// Not disposed: Ctrl-C's handler may still be running on another thread while Main returns, and cancelling a
// disposed source throws; the process ends right after Main anyway.
var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await FeedbackCtl.RunAsync(args, Console.Out, Console.Error, cancel.Token);
