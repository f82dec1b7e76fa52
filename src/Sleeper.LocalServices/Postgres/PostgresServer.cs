using System.Globalization;
using System.Text.RegularExpressions;
using Sleeper.LocalServices.Processes;

namespace Sleeper.LocalServices.Postgres;

/// <summary>
/// A PostgreSQL cluster of its own in the services home, listening on 127.0.0.1 only, with no password (trust), as
/// the user postgres. Debian's PostgreSQL 15 is preferred; it is installed with apt-get when no version is present.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, so as root every PostgreSQL program runs as the postgres user (runuser) and the
/// folder is handed to that user. fsync is off and initdb skips its syncs: this is a scratch server for development and
/// tests, where a power cut may lose data but speed matters.
/// </remarks>
internal sealed partial class PostgresServer(ServicesLayout layout, TextWriter progress) : ILocalServer
{
    private const string PreferredVersion = "15";
    private const string LibFolder = "/usr/lib/postgresql";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private string? _bin;

    public string Name => "postgresql";

    public string Folder => layout.PostgresFolder;

    public string DataFolder => Path.Combine(Folder, "data");

    private string LogFile => Path.Combine(Folder, "postgres.log");

    public async Task<ServerRecord> StartAsync(int? preferredPort, CancellationToken cancellationToken)
    {
        await EnsureInstalledAsync(cancellationToken);
        await PrepareFolderAsync(cancellationToken);
        if (!File.Exists(Path.Combine(DataFolder, "PG_VERSION")))
        {
            await InitDbAsync(cancellationToken);
        }
        for (var attempt = 1; ; attempt++)
        {
            var port = attempt == 1 && preferredPort is { } preferred && Probes.IsFree(preferred) ? preferred : Probes.FreePort();
            var logLength = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var result = await RunAsPostgresAsync("pg_ctl",
                ["-D", DataFolder, "-l", LogFile, "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                 "-o", ServerOptions(port), "start"],
                StartTimeout + TimeSpan.FromSeconds(10), cancellationToken);
            if (result.ExitCode == 0)
            {
                var process = ReadPostmasterPid() is { } pid && ProcessIdentity.Of(pid) is { } identity
                    ? identity
                    : throw new LocalServicesException($"PostgreSQL started but left no process id in {DataFolder}/postmaster.pid. Its log {LogFile} says:\n{DetachedProcess.LogTail(LogFile)}");
                var record = ServerRecord.Running(port, process);
                if (!await WaitUntilAnsweringAsync(port, TimeSpan.FromSeconds(10), cancellationToken))
                {
                    await StopAsync(record, cancellationToken);
                    throw new LocalServicesException($"PostgreSQL started (pid {process.Pid}) but did not answer on 127.0.0.1:{port} within 10 s; it was stopped. See {LogFile}.");
                }
                return record;
            }
            var log = NewLogText(logLength);
            if (attempt < 3 && (log.Contains("could not bind", StringComparison.Ordinal) || log.Contains("already in use", StringComparison.Ordinal)))
            {
                progress.WriteLine($"Port {port} was taken before PostgreSQL could bind it; trying another.");
                continue;
            }
            throw new LocalServicesException(
                $"PostgreSQL did not start (pg_ctl exited with {result.ExitCode}):\n{result.Tail()}\nIts log {LogFile} says:\n{DetachedProcess.LogTail(LogFile)}");
        }
    }

    /// <summary>
    /// Asks for a fast shutdown (SIGINT: roll back open transactions, close connections, checkpoint), the way
    /// <c>pg_ctl stop -m fast</c> does, but aimed at the recorded process only; SIGKILL when it does not finish in 30 s.
    /// </summary>
    public async Task StopAsync(ServerRecord record, CancellationToken cancellationToken)
    {
        if (record.Process is not { } process || !process.Signal(PosixCalls.SIGINT))
        {
            return;
        }
        if (!await process.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken))
        {
            progress.WriteLine($"PostgreSQL (pid {process.Pid}) did not shut down within 30 s; killing it.");
            process.Signal(PosixCalls.SIGKILL);
            await process.WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    public Task<bool> AnswersAsync(int port, CancellationToken cancellationToken) => Probes.PostgresAnswersAsync(port, cancellationToken);

    private async Task<bool> WaitUntilAnsweringAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await AnswersAsync(port, cancellationToken))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// The server's settings. The Unix socket goes into the server's folder, never /var/run/postgresql, which another
    /// cluster may use; when that path is too long for a socket name (107 bytes) or needs quoting, there is no socket:
    /// every client here connects over TCP anyway.
    /// </summary>
    private string ServerOptions(int port)
    {
        var socket = Path.Combine(Folder, $".s.PGSQL.{port}");
        var socketDir = socket.Length <= 100 && PlainPath().IsMatch(Folder) ? Folder : "''";
        return $"-c listen_addresses=127.0.0.1 -p {port} -k {socketDir} -c fsync=off";
    }

    [GeneratedRegex("^[A-Za-z0-9/._+-]+$")]
    private static partial Regex PlainPath();

    private async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        _bin ??= FindBinaries();
        if (_bin is null)
        {
            await Apt.InstallAsync("PostgreSQL", ["postgresql"], progress, cancellationToken);
            _bin = FindBinaries() ?? throw new LocalServicesException($"apt-get installed postgresql, but no initdb and pg_ctl appeared under {LibFolder}/*/bin.");
        }
    }

    /// <summary>Debian keeps each major version's programs in /usr/lib/postgresql/VERSION/bin: 15 if present, else the newest.</summary>
    private static string? FindBinaries()
    {
        if (!Directory.Exists(LibFolder))
        {
            return null;
        }
        return Directory.GetDirectories(LibFolder)
            .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(c => File.Exists(Path.Combine(c.Dir, "pg_ctl")) && File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "postgres")))
            .OrderByDescending(c => c.Version.ToString(CultureInfo.InvariantCulture) == PreferredVersion)
            .ThenByDescending(c => c.Version)
            .Select(c => c.Dir)
            .FirstOrDefault();
    }

    private async Task PrepareFolderAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        if (!PosixCalls.IsRoot)
        {
            return;
        }
        var chown = await CommandRunner.RunAsync("chown", ["postgres:postgres", Folder], TimeSpan.FromSeconds(30), cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new LocalServicesException($"Could not give {Folder} to the postgres user (chown failed: {chown.Tail(3)}). Does the user postgres exist?");
        }
        var reachable = await RunAsPostgresAsync("test", ["-w", Folder], TimeSpan.FromSeconds(30), cancellationToken, plainProgram: true);
        if (reachable.ExitCode != 0)
        {
            throw new LocalServicesException(
                $"The postgres user cannot reach {Folder}: a folder above it is closed to other users. Make each one searchable (chmod o+x), " +
                $"or set {ServicesLayout.HomeVariable} to a folder under one that is.");
        }
    }

    private async Task InitDbAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(DataFolder))
        {
            // No PG_VERSION: an initdb that died half-way. initdb wants an empty folder.
            Directory.Delete(DataFolder, recursive: true);
        }
        progress.WriteLine($"Creating a PostgreSQL cluster in {DataFolder}...");
        var result = await RunAsPostgresAsync("initdb",
            ["-D", DataFolder, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"],
            TimeSpan.FromMinutes(2), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new LocalServicesException($"initdb failed with status {result.ExitCode} for {DataFolder}:\n{result.Tail()}");
        }
    }

    private Task<CommandResult> RunAsPostgresAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, bool plainProgram = false)
    {
        var path = plainProgram ? program : Path.Combine(_bin!, program);
        // The working folder too must be one the postgres user can enter, or PostgreSQL's programs complain.
        return PosixCalls.IsRoot
            ? CommandRunner.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], timeout, cancellationToken, workingDirectory: Folder)
            : CommandRunner.RunAsync(path, arguments, timeout, cancellationToken, workingDirectory: Folder);
    }

    private int? ReadPostmasterPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataFolder, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string NewLogText(long from)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
