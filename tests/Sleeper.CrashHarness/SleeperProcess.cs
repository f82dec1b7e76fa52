using System.Diagnostics;

namespace Sleeper.CrashHarness;

/// <summary>How one run of a real sleeper process ended.</summary>
public sealed record ProcessOutcome(string Command, int ExitCode, bool Killed, TimeSpan Elapsed, string Output, string Error)
{
    public bool Succeeded => !Killed && ExitCode == 0;

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
    public static async Task<ProcessOutcome> RunAsync(string instance, IReadOnlyList<string> args, TimeSpan? killAfter, CancellationToken cancellationToken = default)
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
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var exited = process.WaitForExitAsync(cancellationToken);
        var deadline = killAfter ?? HangTimeout;
        var killed = false;
        if (await Task.WhenAny(exited, Task.Delay(deadline, cancellationToken)) != exited)
        {
            try
            {
                process.Kill(entireProcessTree: false);
                killed = true;
            }
            catch (InvalidOperationException)
            {
                // It exited on its own just now.
            }
        }
        await exited;
        var elapsed = watch.Elapsed;
        var command = string.Join(' ', args);
        var stderr = await error;
        if (killed && killAfter is null)
        {
            stderr = $"HUNG: still running after {HangTimeout.TotalSeconds:F0} s. " + stderr;
        }
        return new ProcessOutcome(command, killed ? -9 : process.ExitCode, killed && killAfter is not null, elapsed, await output, stderr);
    }
}
