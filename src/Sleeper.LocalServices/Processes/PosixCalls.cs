using System.Runtime.InteropServices;

namespace Sleeper.LocalServices.Processes;

/// <summary>The few libc calls .NET has no API for: sending a chosen signal, and asking whether we run as root.</summary>
internal static partial class PosixCalls
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    public static bool IsRoot => !OperatingSystem.IsWindows() && GetEffectiveUserId() == 0;
}
