using Npgsql;
using Sleeper.Aws;
using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Core.Storage;
using Sleeper.Instance;
using Sleeper.LocalServices;
using Sleeper.Postgres;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The S3 server and PostgreSQL the services cases run against, and the s3:// instances made on them. The
/// servers come from the environment as <c>sleeper services start --format env</c> prints it; when it names
/// none, this starts the local services itself and stops them again at the end. Every instance gets a fresh
/// bucket and PostgreSQL schema, removed again on disposal.
/// </summary>
public sealed class ServicesBackend : IAsyncDisposable
{
    private readonly List<SleeperInstance> _instances = [];
    private readonly List<IAsyncDisposable> _held = [];
    private readonly ServiceManager? _startedHere;
    private readonly string _run = Guid.NewGuid().ToString("N")[..10];

    private ServicesBackend(Uri s3Endpoint, string postgresUrl, ServiceManager? startedHere, string servers)
    {
        S3Endpoint = s3Endpoint;
        PostgresUrl = postgresUrl;
        _startedHere = startedHere;
        Servers = servers;
    }

    public Uri S3Endpoint { get; }

    public string PostgresUrl { get; }

    /// <summary>For the report: which servers, their versions and whether PostgreSQL flushes its commits.</summary>
    public string Servers { get; }

    /// <summary>
    /// The servers named by SLEEPER_S3_ENDPOINT and SLEEPER_POSTGRES; with neither set, the local services,
    /// started now if they are not running (and then stopped on disposal). One set without the other is an error:
    /// a half-configured environment is more likely a mistake than a wish to mix servers.
    /// </summary>
    public static async Task<ServicesBackend> OpenAsync(ServicesLayout? layout, Action<string> chatter, CancellationToken cancel)
    {
        var endpoint = Environment.GetEnvironmentVariable("SLEEPER_S3_ENDPOINT");
        var postgres = Environment.GetEnvironmentVariable("SLEEPER_POSTGRES");
        ServiceManager? startedHere = null;
        if (string.IsNullOrEmpty(endpoint) != string.IsNullOrEmpty(postgres))
        {
            throw new UsageException("--backend services needs both SLEEPER_S3_ENDPOINT and SLEEPER_POSTGRES (as 'sleeper services start --format env' prints them), or neither, to start the local services.");
        }
        if (string.IsNullOrEmpty(endpoint))
        {
            var manager = new ServiceManager(layout ?? ServicesLayout.FromEnvironment());
            var before = await manager.StatusAsync(cancel);
            chatter(before.Settings is null ? "starting the local services (sleeper services start)" : "using the local services already running");
            var settings = await manager.StartAsync(cancel);
            // The AWS SDK takes its credentials from the environment; this process's copy of it only.
            foreach (var (name, value) in settings.Variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
            endpoint = settings.S3Endpoint.ToString();
            postgres = settings.PostgresUrl;
            startedHere = before.Settings is null ? manager : null;
        }
        var uri = Uri.TryCreate(endpoint, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
            ? parsed
            : throw new UsageException($"SLEEPER_S3_ENDPOINT='{endpoint}' is not an http(s) URL of an S3 endpoint.");
        try
        {
            return new ServicesBackend(uri, postgres!, startedHere, await DescribeAsync(uri, postgres!, cancel));
        }
        catch
        {
            if (startedHere is not null)
            {
                await startedHere.StopAsync(CancellationToken.None);
            }
            throw;
        }
    }

    /// <summary>A new instance in a fresh bucket of the S3 server, its state in a fresh schema of PostgreSQL.</summary>
    public async Task<SleeperInstance> CreateInstanceAsync(string name, CancellationToken cancel)
    {
        var location = $"s3://sleeper-bench-{_run}-{_instances.Count + 1}/{name}";
        var instance = await SleeperInstance.CreateAsync(location, PostgresUrl, S3Endpoint, cancellationToken: cancel);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Something a case opened on the servers, disposed before the instances are cleaned up.</summary>
    public void Hold(IAsyncDisposable resource) => _held.Add(resource);

    /// <summary>The store of a services instance, whose request counters the cases read.</summary>
    public static S3ObjectStore Store(IObjectStore objects) =>
        objects as S3ObjectStore ?? throw new SleeperException($"The services cases expected files in S3, but these are in {objects.Location}.");

    /// <summary>Removes every object and schema the instances made, then stops the servers if this started them.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var resource in _held)
        {
            await resource.DisposeAsync();
        }
        foreach (var instance in _instances)
        {
            try
            {
                await foreach (var stored in instance.Objects.ListAsync(""))
                {
                    await instance.Objects.DeleteAsync(stored.Name);
                }
                await using var database = new PostgresDatabase(PostgresUrl, instance.Properties.Get(InstanceProperty.PostgresSchema)!);
                await database.DropSchemaAsync();
            }
            catch (SleeperException)
            {
                // Left behind on a scratch server: a fresh bucket and schema per run, so nothing reuses them.
            }
            finally
            {
                await instance.DisposeAsync();
            }
        }
        if (_startedHere is not null)
        {
            await _startedHere.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<string> DescribeAsync(Uri s3Endpoint, string postgresUrl, CancellationToken cancel)
    {
        await using var source = NpgsqlDataSource.Create(PostgresDatabase.ToNpgsqlConnectionString(postgresUrl));
        string Setting(NpgsqlDataReader reader) => reader.GetString(0);
        async Task<string> ShowAsync(string name)
        {
            await using var command = source.CreateCommand($"SHOW {name}");
            await using var reader = await command.ExecuteReaderAsync(cancel);
            return await reader.ReadAsync(cancel) ? Setting(reader) : "?";
        }
        string version, fsync, synchronousCommit;
        try
        {
            version = await ShowAsync("server_version");
            fsync = await ShowAsync("fsync");
            synchronousCommit = await ShowAsync("synchronous_commit");
        }
        catch (NpgsqlException e)
        {
            throw new SleeperException($"Cannot reach PostgreSQL at {postgresUrl} for the services cases: {e.Message}. Start it with 'sleeper services start'.", e);
        }
        return $"S3 server at {s3Endpoint.ToString().TrimEnd('/')} (s3rver as 'sleeper services' starts it, unless SLEEPER_S3_ENDPOINT names another), " +
            $"PostgreSQL {version} at {new NpgsqlConnectionStringBuilder(PostgresDatabase.ToNpgsqlConnectionString(postgresUrl)).Host} (fsync {fsync}, synchronous_commit {synchronousCommit}), both on this machine";
    }
}
