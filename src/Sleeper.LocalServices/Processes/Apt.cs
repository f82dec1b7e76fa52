namespace Sleeper.LocalServices.Processes;

/// <summary>Installs Debian packages with apt-get, which needs root; elsewhere it says what to install by hand.</summary>
internal static class Apt
{
    private static readonly Dictionary<string, string> Environment = new() { ["DEBIAN_FRONTEND"] = "noninteractive" };

    public static async Task InstallAsync(string what, IReadOnlyList<string> packages, TextWriter progress, CancellationToken cancellationToken)
    {
        if (!PosixCalls.IsRoot || !File.Exists("/usr/bin/apt-get"))
        {
            throw new LocalServicesException(
                $"{what} is not installed, and only root on Debian or Ubuntu can install it here: run 'sudo apt-get install -y {string.Join(' ', packages)}' and try again.");
        }
        progress.WriteLine($"Installing {what} with apt-get install -y {string.Join(' ', packages)} (once)...");
        var timeout = TimeSpan.FromMinutes(10);
        var result = await CommandRunner.RunAsync("apt-get", ["install", "-y", .. packages], timeout, cancellationToken, Environment);
        if (result.ExitCode != 0)
        {
            // A fresh image often has no package lists yet.
            progress.WriteLine("apt-get install failed; running apt-get update and trying again...");
            await CommandRunner.RunAsync("apt-get", ["update"], timeout, cancellationToken, Environment);
            result = await CommandRunner.RunAsync("apt-get", ["install", "-y", .. packages], timeout, cancellationToken, Environment);
        }
        if (result.ExitCode != 0)
        {
            throw new LocalServicesException(
                $"Could not install {what}: apt-get install -y {string.Join(' ', packages)} failed with status {result.ExitCode}:\n{result.Tail()}");
        }
    }
}
