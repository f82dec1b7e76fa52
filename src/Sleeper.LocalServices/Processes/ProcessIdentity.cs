using System.Globalization;

namespace Sleeper.LocalServices.Processes;

/// <summary>
/// A process id together with the time the process started, so a recorded server is told apart from an unrelated
/// process that was given the same id after the server died: stop must signal only what this tool started.
/// </summary>
/// <param name="Pid">The process id.</param>
/// <param name="StartTicks">Field 22 of <c>/proc/PID/stat</c> (clock ticks after boot), or null where there is no /proc.</param>
public sealed record ProcessIdentity(int Pid, long? StartTicks)
{
    /// <summary>The identity of the live process <paramref name="pid"/>, or null when no such process runs.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        var stat = ReadStat(pid);
        if (stat is null)
        {
            return File.Exists("/proc/self/stat") ? null : new ProcessIdentity(pid, null);
        }
        return stat.Value.State == 'Z' ? null : new ProcessIdentity(pid, stat.Value.StartTicks);
    }

    /// <summary>Whether the very process this identity names still runs (not a zombie, not a newcomer with its id).</summary>
    public bool IsAlive()
    {
        var now = Of(Pid);
        if (now is null)
        {
            return false;
        }
        if (StartTicks is null || now.StartTicks is null)
        {
            return ProcessExists(Pid);
        }
        return now.StartTicks == StartTicks;
    }

    /// <summary>Sends <paramref name="signal"/> if this process still runs; false when it was already gone.</summary>
    public bool Signal(int signal) => IsAlive() && PosixCalls.Kill(Pid, signal) == 0;

    /// <summary>Waits until the process has exited, up to <paramref name="timeout"/>; true when it has.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(50, cancellationToken);
        }
        return true;
    }

    private static (char State, long StartTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
