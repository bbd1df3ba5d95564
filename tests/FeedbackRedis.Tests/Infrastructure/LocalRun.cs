using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// One run of <c>scripts/run-local.sh</c> in a directory of its own, started in a session of its own (<c>setsid</c>) as
/// in a terminal, so that a Ctrl-C can be sent to its process group and a run that overstays its time can be killed
/// whole. Reads what the script records of the processes it started (<c>DIR/pids</c>) and finds any process that is
/// still of the run: one whose command line or environment names the run's directory (the script gives each of its
/// processes <c>RUN_LOCAL_DIR=DIR</c>).
/// </summary>
internal sealed class LocalRun : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LocalRun(string dir, Process process)
    {
        Dir = dir;
        _process = process;
    }

    /// <summary>The run's directory (the script's <c>--dir</c>), unique to this run.</summary>
    public string Dir { get; }

    /// <summary>Everything the script printed so far, stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>scripts/run-local.sh ARGS --dir DIR</c>.</summary>
    public static LocalRun Start(params string[] args)
    {
        string dir = Directory.CreateTempSubdirectory("feedback-run-local-").FullName;
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--wait", "bash", "scripts/run-local.sh", .. args, "--dir", dir])
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var run = new LocalRun(dir, process);
        process.OutputDataReceived += (_, e) => run.Collect(e.Data, run._stdoutClosed);
        process.ErrorDataReceived += (_, e) => run.Collect(e.Data, run._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Waits for the script to exit, at most <paramref name="timeout"/> (then kills the whole run and fails).</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!_process.HasExited)
        {
            if (cancel.IsCancellationRequested)
            {
                KillEverything();
                throw new AssertionException($"run-local.sh did not finish within {timeout}:\n{Output}");
            }

            await Task.Delay(200, CancellationToken.None);
        }

        // Its output ends when the last process holding it is gone; a leftover child may hold it (Leftovers() names it).
        await Task.WhenAny(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(5)));
        return _process.ExitCode;
    }

    /// <summary>Waits until the script printed <paramref name="text"/>; fails if it exits first or the time passes.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        long started = Stopwatch.GetTimestamp();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || Stopwatch.GetElapsedTime(started) > timeout)
            {
                KillEverything();
                throw new AssertionException($"run-local.sh never printed '{text}' (exited: {_process.HasExited}):\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The processes the script recorded, in start order: its own PID first (<c>run-local</c>).</summary>
    public IReadOnlyList<(string Name, int Pid)> Recorded()
    {
        string file = Path.Combine(Dir, "pids");
        return File.Exists(file)
            ? [.. File.ReadAllLines(file).Select(l => l.Split(' ')).Select(p => (p[0], int.Parse(p[1], CultureInfo.InvariantCulture)))]
            : [];
    }

    /// <summary>Sends SIGINT to the script's process group, as Ctrl-C in its terminal does.</summary>
    public void Interrupt() => Signal("-INT", $"-{ProcessGroup()}");

    /// <summary>Every live process of this run: <c>pid: command line</c>.</summary>
    public IReadOnlyList<string> Leftovers()
    {
        var found = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string cmdline = Read(Path.Combine(proc, "cmdline"));
            if (cmdline.Contains(Dir, StringComparison.Ordinal) || Read(Path.Combine(proc, "environ")).Contains(Dir, StringComparison.Ordinal))
            {
                found.Add($"{pid}: {cmdline}");
            }
        }

        return found;
    }

    /// <summary>The command name of a live process (<c>/proc/PID/comm</c>), or null when it is gone.</summary>
    public static string? CommandOf(int pid) => Read($"/proc/{pid}/comm") is { Length: > 0 } comm ? comm.Trim() : null;

    public void Dispose()
    {
        KillEverything();
        _process.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover still writing; the test has failed on it already.
        }
    }

    /// <summary>So that a failed test leaves nothing either: SIGKILL to the session's group and to every leftover.</summary>
    private void KillEverything()
    {
        if (!_process.HasExited)
        {
            Signal("-KILL", $"-{ProcessGroup()}");
        }

        foreach (var leftover in Leftovers())
        {
            Signal("-KILL", leftover[..leftover.IndexOf(':', StringComparison.Ordinal)]);
        }
    }

    /// <summary>The script's process group (the session setsid made): from <c>/proc/PID/stat</c> of the PID it recorded.</summary>
    private int ProcessGroup()
    {
        int script = Recorded().FirstOrDefault(p => p.Name == "run-local").Pid;
        string stat = script > 0 ? Read($"/proc/{script}/stat") : "";
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so count from its closing parenthesis.
        return stat.Length > 0 ? int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture) : _process.Id;
    }

    private static void Signal(string signal, string target)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { signal, "--", target }, RedirectStandardError = true })!;
        kill.WaitForExit();
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ""; // gone, or another user's
        }
    }

    private void Collect(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }
}
