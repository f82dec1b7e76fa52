using System.Diagnostics;
using System.Globalization;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Runs this same sleeper program as a child process and measures its wall time and peak resident memory, so
/// a case's memory is the whole of one process's, with nothing carried over from the cases before it.
/// </summary>
public static class ChildProcess
{
    /// <summary>Runs <c>sleeper ARGS</c>; throws with its standard error if it fails.</summary>
    public static async Task<(TimeSpan Elapsed, long PeakResidentBytes, string Output)> RunSleeperAsync(IReadOnlyList<string> arguments, CancellationToken cancel)
    {
        var start = SleeperStartInfo(arguments);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancel);
        var error = process.StandardError.ReadToEndAsync(cancel);
        long peak = 0;
        // The kernel's high-water mark only grows, so the last reading before the exit is the peak, short of
        // whatever the process grew by in its last few milliseconds, when it is only committing.
        while (!process.HasExited)
        {
            peak = Math.Max(peak, HighWaterMark(process.Id));
            try
            {
                await process.WaitForExitAsync(cancel).WaitAsync(TimeSpan.FromMilliseconds(20), cancel);
            }
            catch (TimeoutException)
            {
            }
        }
        await process.WaitForExitAsync(cancel);
        watch.Stop();
        if (process.ExitCode != 0)
        {
            throw new Core.SleeperException($"sleeper {string.Join(' ', arguments)} failed with exit status {process.ExitCode}: {await error}");
        }
        return (watch.Elapsed, peak, await output);
    }

    /// <summary>
    /// Runs <c>sleeper ARGS</c> with extra environment variables and returns what it said and how it exited, failed or
    /// not: the caller decides what a failure means.
    /// </summary>
    public static async Task<(int ProcessId, int ExitCode, TimeSpan Elapsed, string Output, string Error)> RunSleeperWithOutputAsync(
        IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancel)
    {
        var start = SleeperStartInfo(arguments);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancel);
        var error = process.StandardError.ReadToEndAsync(cancel);
        try
        {
            await process.WaitForExitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.Id, process.ExitCode, watch.Elapsed, await output, await error);
    }

    /// <summary>This same program, with its output and error captured.</summary>
    private static ProcessStartInfo SleeperStartInfo(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SleeperCli).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Exited between the check and the read.
        }
        return 0;
    }
}
