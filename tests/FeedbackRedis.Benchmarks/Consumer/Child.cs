using System.Diagnostics;
using System.Globalization;

namespace FeedbackRedis.Benchmarks.Consumer;

/// <summary>A child process of the benchmark; remembers the last <c>progress N</c> line it printed. Killed on dispose.</summary>
internal sealed class Child : IDisposable
{
    private readonly Process _process;
    private long _progress;

    private Child(Process process) => _process = process;

    public long Progress => Interlocked.Read(ref _progress);

    /// <summary>CPU time the process has used so far (zero once it exited).</summary>
    public TimeSpan Cpu
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    public static Child Start(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var child = new Child(process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                Console.Error.WriteLine($"  [{process.Id}] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is not null && line.StartsWith("progress ", StringComparison.Ordinal)
            && long.TryParse(line.AsSpan(9), NumberStyles.Integer, CultureInfo.InvariantCulture, out long count))
        {
            Interlocked.Exchange(ref _progress, count);
        }
        else if (line is not null && (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("crit", StringComparison.OrdinalIgnoreCase)))
        {
            Console.Error.WriteLine($"  [{_process.Id}] {line}");
        }
    }
}
