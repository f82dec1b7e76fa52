using Microsoft.Playwright;

namespace Sleeper.Dashboard.Tests;

/// <summary>
/// Debian's Chromium, as LOCAL-SERVERS.md says to run it: Playwright drives the browser the system installed
/// (test.sh installs it) and never downloads one of its own, and the browser stays off the network but for loopback.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static BrowserTypeLaunchOptions LaunchOptions()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: the dashboard's browser test needs Debian's Chromium ('apt-get install -y chromium', which test.sh does as root).");
        }
        // No --user-data-dir: Playwright gives every launch a fresh profile of its own (and refuses the flag).
        return new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            Timeout = 60_000,
        };
    }
}
