using Sleeper.LocalServices.Postgres;
using Sleeper.LocalServices.S3;

namespace Sleeper.LocalServices;

/// <summary>
/// Starts, stops and reports the local services of one services home: PostgreSQL and s3rver on 127.0.0.1, each on a
/// free port. What runs is recorded in the home's state file, so any later command (another process) finds it.
/// </summary>
/// <remarks>
/// Start and stop hold the home's lock for their whole run, so two of them never start two servers over one data
/// folder. Start is idempotent: servers that already run are left alone and reported with the same settings.
/// </remarks>
public sealed class ServiceManager
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);

    private readonly ServicesLayout _layout;
    private readonly TextWriter _progress;
    private readonly ILocalServer _postgres;
    private readonly ILocalServer _s3;

    /// <param name="layout">The services home and the npm folder.</param>
    /// <param name="progress">Where to say what is being installed or started (standard error in the CLI); null for silence.</param>
    public ServiceManager(ServicesLayout layout, TextWriter? progress = null)
    {
        _layout = layout;
        // The two servers start side by side and both may talk.
        _progress = TextWriter.Synchronized(progress ?? TextWriter.Null);
        _postgres = new PostgresServer(layout, _progress);
        _s3 = new S3rverServer(layout, _progress);
    }

    public ServicesLayout Layout => _layout;

    /// <summary>
    /// Installs what is missing, starts whichever server is not running, waits until both answer, and returns the
    /// settings to reach them. If either fails, the servers this call started are stopped again.
    /// </summary>
    public async Task<ServicesSettings> StartAsync(CancellationToken cancellationToken = default)
    {
        await using var held = await LockAsync(cancellationToken);
        var state = await ServicesState.LoadAsync(_layout.StateFile, cancellationToken);
        var postgres = EnsureRunningAsync(_postgres, state.Postgres, cancellationToken);
        var s3 = EnsureRunningAsync(_s3, state.S3, cancellationToken);
        try
        {
            await Task.WhenAll(postgres, s3);
        }
        catch (Exception) when (!postgres.IsCompletedSuccessfully || !s3.IsCompletedSuccessfully)
        {
            // WhenAll has let the other finish too. Undo only what this call started.
            foreach (var (server, task) in new[] { (_postgres, postgres), (_s3, s3) })
            {
                if (task.IsCompletedSuccessfully && task.Result.Started)
                {
                    await server.StopAsync(task.Result.Record, CancellationToken.None);
                }
            }
            var failures = new[] { postgres, s3 }.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
            if (failures.Count == 1 || failures.Any(f => f is not LocalServicesException))
            {
                throw;
            }
            throw new LocalServicesException(string.Join("\n", failures.Select(f => f.Message)));
        }
        var started = new ServicesState(postgres.Result.Record, s3.Result.Record);
        await started.SaveAsync(_layout.StateFile, cancellationToken);
        return new ServicesSettings(s3.Result.Record.Port, postgres.Result.Record.Port);
    }

    /// <summary>Stops the servers this home's state file records as started, by their process ids, and nothing else.</summary>
    public async Task<IReadOnlyList<StoppedServer>> StopAsync(CancellationToken cancellationToken = default)
    {
        await using var held = await LockAsync(cancellationToken);
        var state = await ServicesState.LoadAsync(_layout.StateFile, cancellationToken);
        var stopped = new List<StoppedServer>();
        foreach (var (server, record) in new[] { (_postgres, state.Postgres), (_s3, state.S3) })
        {
            if (record?.Process is { } process && process.IsAlive())
            {
                _progress.WriteLine($"Stopping {server.Name} (pid {process.Pid})...");
                await server.StopAsync(record, cancellationToken);
                stopped.Add(new StoppedServer(server.Name, process.Pid, record.Port));
            }
        }
        if (File.Exists(_layout.StateFile))
        {
            await new ServicesState(state.Postgres?.Stopped(), state.S3?.Stopped()).SaveAsync(_layout.StateFile, cancellationToken);
        }
        return stopped;
    }

    /// <summary>What runs, and whether it answers a trivial request now. Takes no lock: it only reads.</summary>
    public async Task<ServicesStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var state = await ServicesState.LoadAsync(_layout.StateFile, cancellationToken);
        var postgres = await StatusOfAsync(_postgres, state.Postgres, cancellationToken);
        var s3 = await StatusOfAsync(_s3, state.S3, cancellationToken);
        var settings = postgres.Running && s3.Running ? new ServicesSettings(s3.Port!.Value, postgres.Port!.Value) : null;
        return new ServicesStatus(postgres, s3, settings);
    }

    private static async Task<ServiceStatus> StatusOfAsync(ILocalServer server, ServerRecord? record, CancellationToken cancellationToken)
    {
        if (record?.Process is not { } process)
        {
            return new ServiceStatus(server.Name, false, false, null, record?.Port, server.DataFolder, null);
        }
        if (!process.IsAlive())
        {
            return new ServiceStatus(server.Name, false, false, null, record.Port, server.DataFolder,
                $"pid {process.Pid} exited without 'sleeper services stop'");
        }
        var answering = await server.AnswersAsync(record.Port, cancellationToken);
        return new ServiceStatus(server.Name, true, answering, process.Pid, record.Port, server.DataFolder, null);
    }

    private async Task<(ServerRecord Record, bool Started)> EnsureRunningAsync(ILocalServer server, ServerRecord? record, CancellationToken cancellationToken)
    {
        if (record?.Process is { } process && process.IsAlive())
        {
            if (!await WaitUntilAnsweringAsync(server, record.Port, TimeSpan.FromSeconds(15), cancellationToken))
            {
                throw new LocalServicesException(
                    $"{server.Name} runs (pid {process.Pid}) but does not answer on 127.0.0.1:{record.Port}. " +
                    "Run 'sleeper services stop' and start again.");
            }
            return (record, false);
        }
        _progress.WriteLine($"Starting {server.Name}...");
        return (await server.StartAsync(record?.Port, cancellationToken), true);
    }

    private static async Task<bool> WaitUntilAnsweringAsync(ILocalServer server, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await server.AnswersAsync(port, cancellationToken))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(100, cancellationToken);
        }
        return true;
    }

    private Task<FileLock> LockAsync(CancellationToken cancellationToken) =>
        FileLock.AcquireAsync(_layout.LockFile, LockTimeout, "another 'sleeper services' command", cancellationToken);
}
