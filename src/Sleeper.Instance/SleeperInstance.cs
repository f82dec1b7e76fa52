using System.Collections.Concurrent;
using System.Text;
using Sleeper.Aws;
using Sleeper.Core;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;
using Sleeper.Core.Notifications;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sleeper.Ingest.Input;
using Sleeper.Jobs;
using Sleeper.Postgres;
using Sleeper.StateStore;
using Sleeper.StateStore.LocalFiles;
using IJobTrackerPort = Sleeper.Core.Tracking.IJobTracker;

namespace Sleeper.Instance;

/// <summary>
/// The composition root: an instance opened from its location alone. Its <c>instance.properties</c> names the
/// backends, and this builds every part from them: the object store, each table's state store, the job queues,
/// the job trackers, the ingest batcher's store and the table index. The CLI, the workers and the server take
/// their parts from here and construct none themselves.
/// </summary>
/// <remarks>
/// Two stacks exist today. Embedded: a folder holding everything (files for the logs, queues, trackers and index).
/// On services: an S3 bucket (any S3-compatible endpoint) for data files, sketches, snapshots and the properties,
/// and PostgreSQL for the transaction logs, queues, trackers, batcher store and table index. A folder instance may
/// also keep its state in PostgreSQL, which is how tests run the PostgreSQL backends under embedded data.
/// </remarks>
public sealed class SleeperInstance : IAsyncDisposable
{
    public const string PropertiesFileName = "instance.properties";

    private readonly PostgresDatabase? _postgres;
    private readonly ConcurrentDictionary<string, IJobQueue> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IJobTrackerPort> _trackers = new(StringComparer.Ordinal);
    private readonly Lazy<IIngestBatcherStore> _batcher;
    private readonly Lazy<IQueryTracker> _queryTracker;
    private readonly Lazy<S3InputFileStore> _s3Inputs = new(() => new S3InputFileStore());
    private readonly WebhookSink? _webhook;

    private SleeperInstance(InstanceLocation location, IObjectStore objects, SleeperProperties properties, TimeProvider time, ILoggerFactory? logging)
    {
        Logging = logging ?? NullLoggerFactory.Instance;
        Location = location;
        Objects = objects;
        Properties = properties;
        Time = time;
        if (UsesPostgres(properties))
        {
            var url = properties.Get(InstanceProperty.PostgresUrl)
                ?? throw new SleeperException($"The instance at {location} keeps state in PostgreSQL but its {InstanceProperty.PostgresUrl.Name} is not set.");
            _postgres = new PostgresDatabase(url, properties.Get(InstanceProperty.PostgresSchema) ?? DefaultSchema(properties));
        }
        foreach (var backend in new[] { InstanceProperty.StateStoreBackend, InstanceProperty.QueuesBackend, InstanceProperty.TrackersBackend })
        {
            if (!location.IsFolder && !IsPostgres(properties, backend))
            {
                throw new SleeperException($"The instance at {location} says {backend.Name}={properties.Get(backend)}, but an instance in a bucket has no folder for files: it keeps that state in PostgreSQL.");
            }
        }
        TableIndex = IsPostgres(properties, InstanceProperty.TrackersBackend)
            ? new PostgresTableIndex(_postgres!)
            : new FileTableIndex(LocalFolder("tables"));
        _batcher = new Lazy<IIngestBatcherStore>(() => IsPostgres(Properties, InstanceProperty.TrackersBackend)
            ? new PostgresIngestBatcherStore(_postgres!)
            : FileIngestBatcherStore.InInstance(Location.Folder!, Time));
        _queryTracker = new Lazy<IQueryTracker>(() => IsPostgres(Properties, InstanceProperty.TrackersBackend)
            ? new PostgresQueryTracker(_postgres!)
            : new FileQueryTracker(Path.Combine(LocalFolder("trackers"), "query")));
        if (properties.Get(NotificationProperty.WebhookUrl) is { Length: > 0 } webhook)
        {
            if (!Uri.TryCreate(webhook, UriKind.Absolute, out var url))
            {
                throw new SleeperException($"{NotificationProperty.WebhookUrl.Name} is not an absolute URL.");
            }
            _webhook = new WebhookSink(url, new WebhookOptions(
                properties.GetInt(NotificationProperty.WebhookRetries),
                TimeSpan.FromSeconds(properties.GetInt(NotificationProperty.WebhookRetryDelaySeconds)),
                Timeout: TimeSpan.FromSeconds(properties.GetInt(NotificationProperty.WebhookTimeoutSeconds))), time, Logging.CreateLogger("Sleeper.Events.Webhook"));
        }
        Notifications = new EventSinks(_webhook is null ? [Events] : [Events, _webhook], Logging.CreateLogger("Sleeper.Events"));
    }

    public InstanceLocation Location { get; }

    /// <summary>The instance folder; null for an instance in a bucket. Only local concerns (scratch, reports of paths) may use it.</summary>
    public string? Root => Location.Folder;

    /// <summary>
    /// The storage port: every table's data files, sketches, snapshots and other table files are read and written
    /// through it. Built once here and handed to every table opened.
    /// </summary>
    public IObjectStore Objects { get; }

    public SleeperProperties Properties { get; }

    public TimeProvider Time { get; }

    /// <summary>Where the instance's parts log: the state stores, and every job event its trackers record.</summary>
    public ILoggerFactory Logging { get; }

    /// <summary>The instance's table index: names, ids and online flags of its tables.</summary>
    public ITableIndex TableIndex { get; }

    /// <summary>Where the state lives, for messages: the folder or bucket, and the PostgreSQL database when there is one.</summary>
    public string Description => _postgres is null ? Location.Text : $"{Location.Text} with state in {_postgres.Location}";

    /// <summary>The compaction job and task tracker of this instance.</summary>
    public IJobTrackerPort CompactionTracker => Tracker("compaction");

    /// <summary>The ingest job and task tracker of this instance.</summary>
    public IJobTrackerPort IngestTracker => Tracker("ingest");

    /// <summary>The bulk import job and task tracker of this instance.</summary>
    public IJobTrackerPort BulkImportTracker => Tracker("bulk-import");

    /// <summary>The query worker task tracker of this instance (tasks, and dead-lettered queries as jobs).</summary>
    public IJobTrackerPort QueryTaskTracker => Tracker("query");

    /// <summary>The tracker of queued queries and their sub-queries (<c>sleeper status --report queries</c>).</summary>
    public IQueryTracker QueryTracker => _queryTracker.Value;

    /// <summary>
    /// Where ingest and bulk import read their inputs: local paths, and <c>s3://bucket/key</c> or
    /// <c>s3://bucket/prefix/</c> through the S3 endpoint of the environment (SLEEPER_S3_ENDPOINT, …) with the
    /// standard AWS credentials, whatever the instance's own storage.
    /// </summary>
    public IInputFileStore InputFiles => new RoutingInputFileStore(LocalInputFileStore.Instance, _s3Inputs.Value);

    /// <summary>The instance's append-only event log (failed and dead-lettered jobs), in its store under <c>events/</c>.</summary>
    public EventLog Events => new(Objects);

    /// <summary>
    /// Where the instance's events are published: the event log, and the webhook when
    /// <c>sleeper.notifications.webhook.url</c> is set. Job trackers and state stores publish here.
    /// </summary>
    public IEventSink Notifications { get; }

    /// <summary>The ingest batcher's store of files waiting to be batched into jobs.</summary>
    public IIngestBatcherStore IngestBatcher => _batcher.Value;

    /// <summary>One of the instance's job queues (<see cref="QueueNames"/>); the same object for every call with a name.</summary>
    public IJobQueue Queue(string name) => _queues.GetOrAdd(name, n => IsPostgres(Properties, InstanceProperty.QueuesBackend)
        ? new PostgresJobQueue(_postgres!, n, timeProvider: Time)
        : new FileJobQueue(Path.Combine(LocalFolder("queues"), n), timeProvider: Time));

    private PostgresJobTracker PostgresTrackerOf(string kind) => new(_postgres!, kind.Replace('-', '_'));

    private IJobTrackerPort Tracker(string kind) => _trackers.GetOrAdd(kind, k =>
    {
        IJobTrackerPort tracker = IsPostgres(Properties, InstanceProperty.TrackersBackend)
            ? PostgresTrackerOf(k)
            : new FileJobTracker(Path.Combine(LocalFolder("trackers"), k));
        // Failures and dead letters also go to the instance's event log, for `sleeper events` and the operators.
        tracker = new NotifyingJobTracker(tracker, Notifications, k, Time, Logging.CreateLogger("Sleeper.Events"));
        return Logging == NullLoggerFactory.Instance ? tracker : new LoggingJobTracker(tracker, Logging.CreateLogger("Sleeper.Jobs"), k);
    });

    public static bool Exists(string root) => File.Exists(Path.Combine(root, PropertiesFileName));

    /// <summary>Opens the instance at a folder or <c>s3://bucket/prefix</c>, reading its properties to know its backends.</summary>
    public static async Task<SleeperInstance> OpenAsync(string location, TimeProvider? time = null, CancellationToken cancellationToken = default, ILoggerFactory? logging = null)
    {
        var where = InstanceLocation.Parse(location);
        if (where.IsFolder)
        {
            return OpenFolder(where.Folder!, time, logging);
        }
        var objects = OpenBucket(where, S3ObjectStoreOptions.FromEnvironment().Endpoint);
        try
        {
            string text;
            try
            {
                text = await objects.ReadAllTextAsync(PropertiesFileName, cancellationToken);
            }
            catch (Exception e) when (e is ObjectNotFoundException or S3StoreException { Kind: S3FailureKind.BucketMissing })
            {
                var cause = e is S3StoreException ? $" (bucket '{where.Bucket}' does not exist at {objects.Endpoint})" : "";
                throw new SleeperException($"There is no Sleeper instance at {where}{cause}. Create one with 'sleeper instance create --instance {where} --state-store postgresql://…', or check SLEEPER_S3_ENDPOINT points at the right server.");
            }
            var properties = SleeperProperties.ForInstance();
            properties.Load(text, $"{where}/{PropertiesFileName}");
            return new SleeperInstance(where, objects, properties, time ?? TimeProvider.System, logging);
        }
        catch
        {
            objects.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing instance folder.</summary>
    public static SleeperInstance OpenFolder(string root, TimeProvider? time = null, ILoggerFactory? logging = null)
    {
        root = Path.GetFullPath(root);
        var file = Path.Combine(root, PropertiesFileName);
        if (!File.Exists(file))
        {
            throw new SleeperException($"There is no Sleeper instance at {root}. Create one with 'sleeper instance create --instance {root}', or point --instance or SLEEPER_INSTANCE at one.");
        }
        var properties = SleeperProperties.ForInstance();
        properties.Load(File.ReadAllText(file), file);
        if (!IsPostgres(properties, InstanceProperty.TrackersBackend))
        {
            Directory.CreateDirectory(Path.Combine(root, "tables"));
        }
        return new SleeperInstance(InstanceLocation.Parse(root), new LocalObjectStore(root), properties, time ?? TimeProvider.System, logging);
    }

    /// <summary>
    /// Makes a new instance: a folder (embedded, unless <paramref name="postgresUrl"/> puts its state in
    /// PostgreSQL) or a bucket prefix with its state in PostgreSQL. An error if one exists there already.
    /// </summary>
    /// <param name="postgresUrl"><c>postgresql://USER@HOST:PORT/DATABASE</c>; a password in it is refused (it would be stored).</param>
    /// <param name="s3Endpoint">An S3-compatible endpoint; null for the environment's (SLEEPER_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL), else AWS.</param>
    public static async Task<SleeperInstance> CreateAsync(
        string location, string? postgresUrl = null, Uri? s3Endpoint = null, TimeProvider? time = null, CancellationToken cancellationToken = default,
        ILoggerFactory? logging = null)
    {
        var where = InstanceLocation.Parse(location);
        if (!where.IsFolder && postgresUrl is null)
        {
            throw new SleeperException($"An instance in a bucket keeps its state in PostgreSQL: add --state-store postgresql://USER@HOST:PORT/DATABASE to create {where}.");
        }
        var properties = SleeperProperties.ForInstance();
        var id = Guid.NewGuid().ToString("N")[..12];
        properties.Set(InstanceProperty.Id.Name, id);
        if (postgresUrl is not null)
        {
            CheckNoPassword(postgresUrl);
            properties.Set(InstanceProperty.PostgresUrl.Name, postgresUrl);
            properties.Set(InstanceProperty.PostgresSchema.Name, DefaultSchema(properties));
            foreach (var backend in new[] { InstanceProperty.StateStoreBackend, InstanceProperty.QueuesBackend, InstanceProperty.TrackersBackend })
            {
                properties.Set(backend.Name, InstanceProperty.PostgresBackend);
            }
        }
        time ??= TimeProvider.System;
        if (where.IsFolder)
        {
            var root = where.Folder!;
            PrepareFolder(root);
            var instance = new SleeperInstance(where, new LocalObjectStore(root), properties, time, logging);
            await instance.CreateBackendsAsync(cancellationToken);
            if (!await AtomicFiles.TryCreateAsync(Path.Combine(root, PropertiesFileName), Bytes(properties.Save()), cancellationToken))
            {
                throw new SleeperException($"There is already a Sleeper instance at {root}.");
            }
            return instance;
        }
        var endpoint = s3Endpoint ?? S3ObjectStoreOptions.FromEnvironment().Endpoint;
        if (endpoint is not null)
        {
            properties.Set(InstanceProperty.S3Endpoint.Name, endpoint.ToString().TrimEnd('/'));
        }
        var objects = OpenBucket(where, endpoint);
        try
        {
            await objects.CreateBucketIfMissingAsync(cancellationToken);
            if (await objects.GetInfoAsync(PropertiesFileName, cancellationToken) is not null)
            {
                throw new SleeperException($"There is already a Sleeper instance at {where}.");
            }
            var instance = new SleeperInstance(where, objects, properties, time, logging);
            await instance.CreateBackendsAsync(cancellationToken);
            // Last, and only if no one else got there first: until the properties exist, there is no instance.
            await using (var write = await objects.StartWriteAsync(PropertiesFileName, cancellationToken))
            {
                await File.WriteAllBytesAsync(write.StagingPath, Bytes(properties.Save()), cancellationToken);
                try
                {
                    await write.CommitAsync(cancellationToken);
                }
                catch (ObjectAlreadyExistsException)
                {
                    throw new SleeperException($"There is already a Sleeper instance at {where}.");
                }
            }
            return instance;
        }
        catch
        {
            objects.Dispose();
            throw;
        }
    }

    /// <summary>Creates what the backends need before first use (PostgreSQL tables), so a bad server fails the creation, not the first job.</summary>
    private async Task CreateBackendsAsync(CancellationToken cancellationToken)
    {
        if (_postgres is null)
        {
            AtomicFiles.CreateDirectoryDurably(LocalFolder("tables"));
            return;
        }
        await ((PostgresTableIndex)TableIndex).EnsureCreatedAsync(cancellationToken);
        await ((PostgresIngestBatcherStore)IngestBatcher).EnsureCreatedAsync(cancellationToken);
        await ((PostgresJobQueue)Queue(QueueNames.Compaction)).EnsureCreatedAsync(cancellationToken);
        foreach (var kind in new[] { "compaction", "ingest", "bulk-import", "query" })
        {
            await PostgresTrackerOf(kind).EnsureCreatedAsync(cancellationToken);
        }
        await ((PostgresQueryTracker)QueryTracker).EnsureCreatedAsync(cancellationToken);
        await new PostgresTransactionLogStore(_postgres, "none").EnsureCreatedAsync(cancellationToken);
        await new PostgresSnapshotStore(_postgres, "none", Objects, "none/").EnsureCreatedAsync(cancellationToken);
    }

    /// <summary>Saves changed instance properties; those that say where the state is cannot change after creation.</summary>
    public async Task SavePropertiesAsync(CancellationToken cancellationToken = default)
    {
        var stored = await ReadStoredPropertiesAsync(cancellationToken);
        foreach (var fixedProperty in InstanceProperty.FixedAtCreation)
        {
            if (!string.Equals(stored.Get(fixedProperty), Properties.Get(fixedProperty), StringComparison.Ordinal))
            {
                throw new SleeperException($"{fixedProperty.Name} cannot be changed once the instance exists: it says where the instance's state is.");
            }
        }
        await Objects.WriteAllBytesAsync(PropertiesFileName, Bytes(Properties.Save()), cancellationToken);
    }

    private async Task<SleeperProperties> ReadStoredPropertiesAsync(CancellationToken cancellationToken)
    {
        var stored = SleeperProperties.ForInstance();
        stored.Load(await Objects.ReadAllTextAsync(PropertiesFileName, cancellationToken), $"{Location}/{PropertiesFileName}");
        return stored;
    }

    public Task<IReadOnlyList<TableStatus>> ListTablesAsync(CancellationToken cancellationToken = default) => TableIndex.ListAsync(cancellationToken);

    public async Task<TableStatus> GetTableStatusAsync(string name, CancellationToken cancellationToken = default) =>
        await TableIndex.GetByNameAsync(name, cancellationToken) ?? throw new TableNotFoundException(name);

    /// <summary>The statuses of the named tables, in order; an unknown name is an error.</summary>
    public async Task<IReadOnlyList<TableStatus>> GetTableStatusesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        var statuses = new List<TableStatus>();
        foreach (var name in names)
        {
            statuses.Add(await GetTableStatusAsync(name, cancellationToken));
        }
        return statuses;
    }

    /// <summary>
    /// Creates a table: writes its schema and properties, initialises its partitions, then publishes the name in
    /// the index. Until that last step nothing is visible; if the name is taken meanwhile, what was written is
    /// removed again.
    /// </summary>
    public async Task<SleeperTable> CreateTableAsync(
        string name, TableSchema schema, SleeperProperties tableProperties,
        IReadOnlyList<Partition> partitions, CancellationToken cancellationToken = default)
    {
        if (await TableIndex.GetByNameAsync(name, cancellationToken) is not null)
        {
            throw new TableAlreadyExistsException(name);
        }
        new PartitionTree(partitions).Validate(schema);
        TablePropertiesCheck.Validate(schema, tableProperties);
        var id = Guid.NewGuid().ToString("N")[..16];
        var status = new TableStatus(id, name, true);
        if (Root is not null)
        {
            AtomicFiles.CreateDirectoryDurably(Path.Combine(Root, id));
        }
        try
        {
            await Objects.WriteAllBytesAsync($"{id}/schema.json", Bytes(SchemaSerDe.ToJson(schema)), cancellationToken);
            await Objects.WriteAllBytesAsync($"{id}/table.properties", Bytes(tableProperties.Save()), cancellationToken);
            var table = new SleeperTable(status, schema, tableProperties, OpenStateStore(id, schema), Objects);
            await table.StateStore.InitialiseAsync(partitions, cancellationToken);
            if (!await TableIndex.TryCreateAsync(status, cancellationToken))
            {
                throw new TableAlreadyExistsException(name);
            }
            return table;
        }
        catch
        {
            await DeleteTableDataAsync(id, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Opens a table by its id (jobs name tables by id, so a rename does not strand them).</summary>
    public async Task<SleeperTable> OpenTableByIdAsync(string tableId, CancellationToken cancellationToken = default)
    {
        var status = await TableIndex.GetByIdAsync(tableId, cancellationToken)
            ?? throw new SleeperException($"No table has id '{tableId}'; it may have been deleted.");
        return await OpenTableAsync(status, cancellationToken);
    }

    /// <summary>Opens a table by name; with <paramref name="requireOnline"/>, an offline table is an error.</summary>
    public async Task<SleeperTable> OpenTableAsync(string name, bool requireOnline = false, CancellationToken cancellationToken = default)
    {
        var status = await GetTableStatusAsync(name, cancellationToken);
        if (requireOnline && !status.Online)
        {
            throw new SleeperException($"Table '{name}' is offline; bring it back with 'sleeper table online {name}'.");
        }
        return await OpenTableAsync(status, cancellationToken);
    }

    private async Task<SleeperTable> OpenTableAsync(TableStatus status, CancellationToken cancellationToken)
    {
        var schema = SchemaSerDe.FromJson(await Objects.ReadAllTextAsync($"{status.TableId}/schema.json", cancellationToken));
        var properties = SleeperProperties.ForTable();
        var propertiesName = $"{status.TableId}/table.properties";
        properties.Load(await Objects.ReadAllTextAsync(propertiesName, cancellationToken), $"{Location}/{propertiesName}");
        return new SleeperTable(status, schema, properties, OpenStateStore(status.TableId, schema), Objects);
    }

    /// <summary>Opens every online table, for the work that runs over all of them (splitting, GC).</summary>
    public async Task<IReadOnlyList<SleeperTable>> OpenOnlineTablesAsync(CancellationToken cancellationToken = default)
    {
        var tables = new List<SleeperTable>();
        foreach (var status in await ListTablesAsync(cancellationToken))
        {
            if (status.Online)
            {
                tables.Add(await OpenTableAsync(status, cancellationToken));
            }
        }
        return tables;
    }

    /// <summary>Stores the table's properties, once they pass <see cref="TablePropertiesCheck"/> against its schema.</summary>
    public Task SaveTablePropertiesAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        TablePropertiesCheck.Validate(table.Schema, table.Properties);
        return Objects.WriteAllBytesAsync($"{table.Id}/table.properties", Bytes(table.Properties.Save()), cancellationToken);
    }

    /// <summary>Removes the table from the index first (so it disappears at once), then its files and log.</summary>
    public async Task DeleteTableAsync(string name, CancellationToken cancellationToken = default)
    {
        var status = await GetTableStatusAsync(name, cancellationToken);
        if (!await TableIndex.DeleteAsync(name, cancellationToken))
        {
            throw new TableNotFoundException(name);
        }
        await DeleteTableDataAsync(status.TableId, cancellationToken);
    }

    public async Task RenameTableAsync(string name, string newName, CancellationToken cancellationToken = default)
    {
        if (!await TableIndex.TryRenameAsync(name, newName, cancellationToken))
        {
            throw new TableAlreadyExistsException(newName);
        }
    }

    public Task SetOnlineAsync(string name, bool online, CancellationToken cancellationToken = default) =>
        TableIndex.SetOnlineAsync(name, online, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_webhook is not null)
        {
            // Events still queued for the webhook get a few seconds to go out before the process moves on.
            await _webhook.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        (Objects as IDisposable)?.Dispose();
        if (_s3Inputs.IsValueCreated)
        {
            _s3Inputs.Value.Dispose();
        }
    }

    private static S3ObjectStore OpenBucket(InstanceLocation where, Uri? endpoint) =>
        new(where.Bucket!, where.Prefix!, new S3ObjectStoreOptions { Endpoint = endpoint });

    private ITransactionLogStore OpenLog(string tableId) => IsPostgres(Properties, InstanceProperty.StateStoreBackend)
        ? new PostgresTransactionLogStore(_postgres!, tableId)
        : new FileTransactionLogStore(Path.Combine(LocalFolder(tableId), "statestore", EmbeddedStateStores.TransactionsFolder));

    /// <summary>
    /// Snapshot bodies always live in the object store. Beside a PostgreSQL log they are indexed in PostgreSQL too,
    /// since the state store asks for the newest one several times per commit and a LIST on S3 is slow and billed.
    /// </summary>
    private ITransactionLogSnapshotStore OpenSnapshots(string tableId)
    {
        var prefix = $"{tableId}/statestore/{EmbeddedStateStores.SnapshotsFolder}/";
        return IsPostgres(Properties, InstanceProperty.StateStoreBackend)
            ? new PostgresSnapshotStore(_postgres!, tableId, Objects, prefix)
            : new ObjectStoreSnapshotStore(Objects, prefix);
    }

    private TransactionLogStateStore OpenStateStore(string tableId, TableSchema schema) =>
        new(schema, OpenLog(tableId), OpenSnapshots(tableId), Time,
            options: new TransactionLogStateStoreOptions
            {
                SnapshotEveryTransactions = Properties.GetInt(InstanceProperty.SnapshotEveryTransactions),
                LoadSnapshotWhenBehindBy = Properties.GetInt(InstanceProperty.SnapshotLoadWhenBehindBy),
                DeleteTransactionsBehindSnapshotsOlderThan = TimeSpan.FromMinutes(Properties.GetInt(InstanceProperty.DeleteBehindSnapshotMinAgeMinutes)),
                Events = Notifications,
                TableId = tableId,
            },
            logger: Logging.CreateLogger<TransactionLogStateStore>());

    /// <summary>Everything a table held: its log (when not in the table's folder) and every object under its id.</summary>
    private async Task DeleteTableDataAsync(string tableId, CancellationToken cancellationToken)
    {
        if (IsPostgres(Properties, InstanceProperty.StateStoreBackend))
        {
            await OpenLog(tableId).DeleteTransactionsAtOrBeforeAsync(long.MaxValue, cancellationToken);
            var snapshots = OpenSnapshots(tableId);
            foreach (var snapshot in await snapshots.ListSnapshotsAsync(cancellationToken))
            {
                await snapshots.DeleteSnapshotAsync(snapshot.TransactionNumber, cancellationToken);
            }
        }
        if (Root is not null)
        {
            TryDeleteDirectory(Path.Combine(Root, tableId));
            return;
        }
        await foreach (var stored in Objects.ListAsync($"{tableId}/", cancellationToken))
        {
            await Objects.DeleteAsync(stored.Name, cancellationToken);
        }
    }

    private string LocalFolder(string name) => Root is { } root
        ? Path.Combine(root, name)
        : throw new SleeperException($"The instance at {Location} has no folder for {name}.");

    private static bool UsesPostgres(SleeperProperties properties) =>
        IsPostgres(properties, InstanceProperty.StateStoreBackend) || IsPostgres(properties, InstanceProperty.QueuesBackend)
        || IsPostgres(properties, InstanceProperty.TrackersBackend);

    private static bool IsPostgres(SleeperProperties properties, PropertyDefinition backend) =>
        string.Equals(properties.Get(backend), InstanceProperty.PostgresBackend, StringComparison.OrdinalIgnoreCase);

    private static string DefaultSchema(SleeperProperties properties) => $"sleeper_{properties.Get(InstanceProperty.Id)}";

    private static void CheckNoPassword(string postgresUrl)
    {
        string? password;
        try
        {
            password = new Npgsql.NpgsqlConnectionStringBuilder(PostgresDatabase.ToNpgsqlConnectionString(postgresUrl)).Password;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new SleeperException($"'{postgresUrl}' is not a PostgreSQL URL: write postgresql://USER@HOST:PORT/DATABASE ({e.Message}).");
        }
        if (!string.IsNullOrEmpty(password))
        {
            throw new SleeperException("The PostgreSQL URL holds a password, which would be stored in the instance's properties: remove it and give it in PGPASSWORD or ~/.pgpass instead.");
        }
    }

    private static void PrepareFolder(string root)
    {
        if (Exists(root))
        {
            throw new SleeperException($"There is already a Sleeper instance at {root}.");
        }
        if (File.Exists(root))
        {
            throw new SleeperException($"{root} is a file, not a folder; choose another place for the instance.");
        }
        CreateFolder(root);
    }

    // The runtime's messages for these failures name the path it was making ("Could not find a part of the
    // path"), not the cause, so find the cause: a file where a folder should be, or a folder that refuses us.
    private static void CreateFolder(string root)
    {
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            for (var dir = root; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(dir))
                {
                    throw new SleeperException($"Cannot create the instance at {root}: '{dir}' is a file, not a folder.");
                }
                if (Directory.Exists(dir))
                {
                    break;
                }
            }
            if (e is UnauthorizedAccessException)
            {
                throw new SleeperException($"Cannot create the instance at {root}: permission denied creating it ({e.Message}).");
            }
            throw new SleeperException($"Cannot create the instance at {root}: {e.Message}");
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left behind, unreferenced: it holds no visible table.
        }
    }
}
