using System.Diagnostics;

namespace Sleeper.CrashHarness;

/// <summary>How one run of a real sleeper process ended.</summary>
public sealed record ProcessOutcome(string Command, int ExitCode, bool Killed, TimeSpan Elapsed, string Output, string Error)
{
    public bool Succeeded => !Killed && ExitCode == 0;

    /// <summary>The harness killed it because it outlived its time (<see cref="SleeperProcess.HangTimeout"/> or the run's own).</summary>
    public bool Hung => !Killed && ExitCode == SleeperProcess.KilledExitCode;

    public override string ToString() =>
        $"sleeper {Command}: {(Killed ? "killed (SIGKILL)" : $"exit {ExitCode}")} after {Elapsed.TotalSeconds:F2} s" +
        (Error.Length > 0 ? $"; stderr: {Error.Trim()}" : "");
}

/// <summary>
/// Starts the real command line (the sleeper.dll built beside the harness, under <c>dotnet</c>) and, when asked,
/// kills it with SIGKILL after a delay: no handler runs, no finally block, nothing is flushed, as when a machine
/// loses a process to the out-of-memory killer.
/// </summary>
public static class SleeperProcess
{
    /// <summary>A run that takes longer than this is treated as hung, killed and reported.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The exit code an outcome gives a process the harness killed.</summary>
    public const int KilledExitCode = -9;

    public static string Dll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "sleeper.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException(
                $"The command line is not built beside the harness ({dll}); build tests/Sleeper.CrashHarness first.");
        }
    }

    /// <summary>Starts one process; after <paramref name="killAfter"/> (when given) it is killed if still running.</summary>
    public static async Task<ProcessOutcome> RunAsync(string instance, IReadOnlyList<string> args, TimeSpan? killAfter,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var running = Start(instance, args, environment, killAfter is null ? HangTimeout : null);
        if (killAfter is { } delay && await Task.WhenAny(running.Outcome, Task.Delay(delay, cancellationToken)) != running.Outcome)
        {
            running.Kill();
        }
        return await running.Outcome;
    }

    /// <summary>
    /// Starts one process and returns at once; the caller kills it when it likes (<see cref="RunningSleeper.Kill"/>).
    /// One still running after <paramref name="hangTimeout"/> (when given) is killed and reported as hung.
    /// </summary>
    public static RunningSleeper Start(string instance, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? hangTimeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add("--instance");
        start.ArgumentList.Add(instance);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return new RunningSleeper(start, string.Join(' ', args), hangTimeout);
    }
}

/// <summary>A sleeper process started by the harness: its outcome when it ends, and a way to kill it before that.</summary>
public sealed class RunningSleeper
{
    private readonly Process _process;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private bool _killRequested;
    private bool _hung;
    private bool _ended;

    internal RunningSleeper(ProcessStartInfo start, string command, TimeSpan? hangTimeout)
    {
        Command = command;
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        ProcessId = _process.Id;
        Outcome = WaitAsync(hangTimeout);
    }

    public string Command { get; }

    public int ProcessId { get; }

    /// <summary>How the process ended; completes when it has.</summary>
    public Task<ProcessOutcome> Outcome { get; }

    public bool HasEnded => Outcome.IsCompleted;

    /// <summary>Kills it with SIGKILL; false when it had already ended.</summary>
    public bool Kill() => Kill(hung: false);

    private bool Kill(bool hung)
    {
        lock (_lock)
        {
            if (_ended || _process.HasExited)
            {
                return false;
            }
            _killRequested = !hung;
            _hung = hung;
            try
            {
                _process.Kill(entireProcessTree: false);
                return true;
            }
            catch (InvalidOperationException)
            {
                // It exited on its own just now.
                _killRequested = _hung = false;
                return false;
            }
        }
    }

    private async Task<ProcessOutcome> WaitAsync(TimeSpan? hangTimeout)
    {
        var output = _process.StandardOutput.ReadToEndAsync();
        var error = _process.StandardError.ReadToEndAsync();
        var exited = _process.WaitForExitAsync();
        if (hangTimeout is { } limit && await Task.WhenAny(exited, Task.Delay(limit)) != exited)
        {
            Kill(hung: true);
        }
        await exited;
        var elapsed = _watch.Elapsed;
        var stderr = await error;
        bool killed, hung;
        int exitCode;
        lock (_lock)
        {
            // A kill that raced with the process's own exit did nothing: SIGKILL shows as 128 + 9.
            var bySignal = _process.ExitCode == 137;
            killed = _killRequested && bySignal;
            hung = _hung && bySignal;
            exitCode = killed || hung ? SleeperProcess.KilledExitCode : _process.ExitCode;
            _ended = true;
        }
        if (hung)
        {
            stderr = $"HUNG: still running after {hangTimeout!.Value.TotalSeconds:F0} s. " + stderr;
        }
        var outcome = new ProcessOutcome(Command, exitCode, killed, elapsed, await output, stderr);
        _process.Dispose();
        return outcome;
    }
}
