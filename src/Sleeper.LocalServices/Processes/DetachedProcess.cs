using System.Diagnostics;
using System.Globalization;

namespace Sleeper.LocalServices.Processes;

/// <summary>Starts a server that outlives this program, with its output in a log file.</summary>
/// <remarks>
/// Two things matter here. The server must not keep this program's standard output open, or
/// <c>eval "$(sleeper services start --format env)"</c> would wait for it forever: a shell redirects all three
/// standard streams before it becomes the server (exec). And it must not die with the terminal or a Ctrl-C aimed at
/// the caller: <c>setsid</c> puts it in a session of its own. The shell writes its own process id, which exec keeps
/// for the server, to a file, so the id is right even if setsid had to fork.
/// </remarks>
internal static class DetachedProcess
{
    private const string Launcher = "echo $$ > \"$1\"; log=$2; shift 2; exec \"$@\" > \"$log\" 2>&1 < /dev/null";

    public static async Task<ProcessIdentity> StartAsync(string program, IEnumerable<string> arguments, string pidFile, string logFile, CancellationToken cancellationToken)
    {
        File.Delete(pidFile);
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in (string[])["sh", "-c", Launcher, "sh", pidFile, logFile, program, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        using (var launcher = Process.Start(info) ?? throw new LocalServicesException($"Could not start {program}."))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                if (File.Exists(pidFile) && int.TryParse(await File.ReadAllTextAsync(pidFile, cancellationToken), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
                {
                    return ProcessIdentity.Of(pid) ?? throw new LocalServicesException(
                        $"{program} exited as soon as it started. Its log {logFile} says:\n{LogTail(logFile)}");
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new LocalServicesException($"{program} did not start within 10 s (no process id in {pidFile}).");
                }
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    public static string LogTail(string logFile, int lines = 15)
    {
        try
        {
            return string.Join('\n', File.ReadAllLines(logFile).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
