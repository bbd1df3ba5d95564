using System.Diagnostics;
using System.Text;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Runs a short-lived command to its end, bounded in time, with its stdout and stderr kept together.</summary>
internal static class ChildProcess
{
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var outputLock = new Lock();
        using var process = new Process { StartInfo = start };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (outputLock)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new AssertionException($"{file} {string.Join(' ', args)} did not finish within {timeout}:\n{Text()}");
        }

        return (process.ExitCode, Text());

        string Text()
        {
            lock (outputLock)
            {
                return output.ToString();
            }
        }
    }
}
