using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A real <c>feedback-redis</c> service process for tests about processes (crash, shutdown, rebalance). The test project
/// builds the service beside itself; its log is kept for failure messages.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _logLock = new();

    private ServiceProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr).</summary>
    public string Log
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the service with <c>--role</c> and the given <c>FEEDBACK_*</c> environment.</summary>
    public static ServiceProcess Start(string role, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string dll = Path.Combine(AppContext.BaseDirectory, "feedback-redis.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The service was not built beside the tests", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--role");
        start.ArgumentList.Add(role);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Test";
        if (!environment.ContainsKey("FEEDBACK_HTTP_PORT"))
        {
            start.Environment["FEEDBACK_HTTP_PORT"] = "0"; // several processes per test: each takes a free port
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits until the log contains <paramref name="text"/>, or fails with the log.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) before logging '{text}':\n{Log}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"'{text}' not logged within {timeout}:\n{Log}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the host listens and returns its base address (http://127.0.0.1:port).</summary>
    public async Task<Uri> WaitForHttpAsync(TimeSpan timeout)
    {
        const string marker = "Now listening on: ";
        await WaitForLogAsync(marker, timeout);
        string line = Log.Split('\n').First(l => l.Contains(marker, StringComparison.Ordinal));
        string address = line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim();
        int port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)).Port;
        return new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Waits for the process to exit by itself and for all its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as Kubernetes sends it, then waits for a graceful exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SendSignal(_process.Id, Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed for {_process.Id}");
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.AppendLine(line);
        }
    }

    private const int Sigterm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
