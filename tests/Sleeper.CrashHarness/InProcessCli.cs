using Sleeper.Cli;

namespace Sleeper.CrashHarness;

/// <summary>The result of a command run in this process.</summary>
public sealed record CliResult(string Command, int Status, string Output, string Error)
{
    public override string ToString() => $"sleeper {Command}: exit {Status}" + (Error.Length > 0 ? $"; stderr: {Error.Trim()}" : "");
}

/// <summary>
/// Runs the same command line in this process, for the set-up, the recovery and the checks, where a process of
/// its own would only cost start-up time. Recovery commands run by a clock moved past every lease and delay
/// (<see cref="ShiftedClock"/>), standing for the time an operator waits before rerunning the work.
/// </summary>
public static class InProcessCli
{
    public static async Task<CliResult> RunAsync(string instance, TimeProvider? time, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Interactive = false,
            OutputIsTerminal = false,
            Time = time ?? TimeProvider.System,
        };
        var status = await SleeperCli.RunAsync([.. args, "--instance", instance], context);
        return new CliResult(string.Join(' ', args), status, output.ToString(), error.ToString());
    }
}

/// <summary>The system clock moved forward by a fixed amount; timers still run in real time.</summary>
public sealed class ShiftedClock(TimeSpan shift) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + shift;
}
