using System.Globalization;
using System.Text.Json;
using Sleeper.LocalServices.Processes;

namespace Sleeper.LocalServices.S3;

/// <summary>
/// s3rver, a small S3-compatible server on Node.js that keeps buckets and objects as files, installed from npm once into
/// the shared npm folder and run detached, listening on 127.0.0.1 only.
/// </summary>
/// <remarks>
/// s3rver accepts only the credentials S3RVER/S3RVER, and needs path-style addressing and unchunked uploads from
/// AWSSDK.S3 (see docs/services.md). The version is pinned: it is the one the project's S3 adapter is tested against.
/// </remarks>
internal sealed class S3rverServer(ServicesLayout layout, TextWriter progress) : ILocalServer
{
    public const string Version = "3.7.1";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    public string Name => "s3rver";

    public string Folder => layout.S3Folder;

    public string DataFolder => Path.Combine(Folder, "data");

    private string LogFile => Path.Combine(Folder, "s3rver.log");

    private string PidFile => Path.Combine(Folder, "s3rver.pid");

    private string Package => Path.Combine(layout.NpmPrefix, "node_modules", "s3rver");

    private string Script => Path.Combine(Package, "bin", "s3rver.js");

    public async Task<ServerRecord> StartAsync(int? preferredPort, CancellationToken cancellationToken)
    {
        await EnsureInstalledAsync(cancellationToken);
        Directory.CreateDirectory(DataFolder);
        for (var attempt = 1; ; attempt++)
        {
            var port = attempt == 1 && preferredPort is { } preferred && Probes.IsFree(preferred) ? preferred : Probes.FreePort();
            // s3rver signs its listing continuation tokens with DES, which Node 17+ refuses unless the legacy
            // OpenSSL provider is on: without it, any listing of more than 1,000 keys fails with a 500.
            var process = await DetachedProcess.StartAsync("node",
                ["--openssl-legacy-provider", Script, "-d", DataFolder, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--silent"],
                PidFile, LogFile, cancellationToken);
            var deadline = DateTime.UtcNow + StartTimeout;
            while (true)
            {
                if (!process.IsAlive())
                {
                    var log = DetachedProcess.LogTail(LogFile);
                    if (attempt < 3 && log.Contains("EADDRINUSE", StringComparison.Ordinal))
                    {
                        progress.WriteLine($"Port {port} was taken before s3rver could bind it; trying another.");
                        break;
                    }
                    throw new LocalServicesException($"s3rver exited while starting on 127.0.0.1:{port}. Its log {LogFile} says:\n{log}");
                }
                if (await AnswersAsync(port, cancellationToken) && process.IsAlive())
                {
                    return ServerRecord.Running(port, process);
                }
                if (DateTime.UtcNow > deadline)
                {
                    await StopAsync(ServerRecord.Running(port, process), cancellationToken);
                    throw new LocalServicesException(
                        $"s3rver (pid {process.Pid}) did not answer on 127.0.0.1:{port} within {StartTimeout.TotalSeconds:F0} s; it was stopped. Its log {LogFile} says:\n{DetachedProcess.LogTail(LogFile)}");
                }
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    public async Task StopAsync(ServerRecord record, CancellationToken cancellationToken)
    {
        if (record.Process is not { } process || !process.Signal(PosixCalls.SIGTERM))
        {
            return;
        }
        if (!await process.WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken))
        {
            process.Signal(PosixCalls.SIGKILL);
            await process.WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    public Task<bool> AnswersAsync(int port, CancellationToken cancellationToken) => Probes.HttpAnswersAsync(port, cancellationToken);

    private bool Installed()
    {
        try
        {
            using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Package, "package.json")));
            return manifest.RootElement.TryGetProperty("version", out var version) && version.GetString() == Version && File.Exists(Script);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return false;
        }
    }

    /// <summary>Installs s3rver into the npm folder unless it is there; under a lock, since homes share that folder.</summary>
    private async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        if (Installed())
        {
            return;
        }
        await EnsureNodeAsync(cancellationToken);
        await using var installLock = await FileLock.AcquireAsync(Path.Combine(layout.NpmPrefix, ".install.lock"), TimeSpan.FromMinutes(10), "another install of s3rver", cancellationToken);
        if (Installed())
        {
            return;
        }
        progress.WriteLine($"Installing s3rver@{Version} from npm into {layout.NpmPrefix} (once)...");
        var result = await CommandRunner.RunAsync("npm",
            ["install", "--prefix", layout.NpmPrefix, "--no-audit", "--no-fund", "--loglevel=error", $"s3rver@{Version}"],
            TimeSpan.FromMinutes(10), cancellationToken);
        if (result.ExitCode != 0 || !Installed())
        {
            throw new LocalServicesException(
                $"npm could not install s3rver@{Version} into {layout.NpmPrefix} (status {result.ExitCode}); check the network and the npm registry setting:\n{result.Tail()}");
        }
    }

    private async Task EnsureNodeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var node = await CommandRunner.RunAsync("node", ["--version"], TimeSpan.FromSeconds(30), cancellationToken);
            var npm = await CommandRunner.RunAsync("npm", ["--version"], TimeSpan.FromSeconds(60), cancellationToken);
            if (node.ExitCode == 0 && npm.ExitCode == 0)
            {
                return;
            }
        }
        catch (LocalServicesException)
        {
            // Not on the PATH: install below.
        }
        await Apt.InstallAsync("Node.js and npm", ["nodejs", "npm"], progress, cancellationToken);
    }
}
