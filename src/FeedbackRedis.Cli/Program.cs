using FeedbackRedis.Control;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await FeedbackCtl.RunAsync(args, Console.Out, Console.Error, cancel.Token);
