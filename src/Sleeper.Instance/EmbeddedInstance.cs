using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using IJobTrackerPort = Sleeper.Core.Tracking.IJobTracker;
using System.Text;
using Sleeper.StateStore;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Instance;

/// <summary>
/// An embedded Sleeper instance: a folder holding instance.properties, a table index under tables/ (one
/// file per table name, created exclusively so two creators cannot both win) and a folder per table id.
/// </summary>
public sealed class EmbeddedInstance
{
    public const string PropertiesFileName = "instance.properties";

    private EmbeddedInstance(string root, SleeperProperties properties, TimeProvider time)
    {
        Root = root;
        Properties = properties;
        Time = time;
        Objects = new LocalObjectStore(root);
        TableIndex = new FileTableIndex(Path.Combine(root, "tables"));
    }

    public string Root { get; }

    /// <summary>
    /// The storage port on the instance folder: every table's data files, sketches, snapshots and other table
    /// files are read and written through it. Built once here and handed to every table opened.
    /// </summary>
    public IObjectStore Objects { get; }
    public SleeperProperties Properties { get; }
    public TimeProvider Time { get; }

    /// <summary>The instance's table index: one file per table name under tables/.</summary>
    internal FileTableIndex TableIndex { get; }

    /// <summary>The compaction job and task tracker of this instance.</summary>
    public IJobTrackerPort CompactionTracker => new FileJobTracker(Path.Combine(Root, "trackers", "compaction"));

    /// <summary>The ingest job and task tracker of this instance.</summary>
    public IJobTrackerPort IngestTracker => new FileJobTracker(Path.Combine(Root, "trackers", "ingest"));

    /// <summary>The bulk import job and task tracker of this instance.</summary>
    public IJobTrackerPort BulkImportTracker => new FileJobTracker(Path.Combine(Root, "trackers", "bulk-import"));

    public static bool Exists(string root) => File.Exists(Path.Combine(root, PropertiesFileName));

    /// <summary>Makes a new instance folder; an error if one is already there.</summary>
    public static async Task<EmbeddedInstance> CreateAsync(string root, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        root = Path.GetFullPath(root);
        if (Exists(root))
        {
            throw new SleeperException($"There is already a Sleeper instance at {root}.");
        }
        if (File.Exists(root))
        {
            throw new SleeperException($"{root} is a file, not a folder; choose another place for the instance.");
        }
        CreateFolder(root);
        AtomicFiles.CreateDirectoryDurably(Path.Combine(root, "tables"));
        var properties = SleeperProperties.ForInstance();
        properties.Set(InstanceProperty.Id.Name, Guid.NewGuid().ToString("N")[..12]);
        var instance = new EmbeddedInstance(root, properties, time ?? TimeProvider.System);
        if (!await AtomicFiles.TryCreateAsync(Path.Combine(root, PropertiesFileName), Bytes(properties.Save()), cancellationToken))
        {
            throw new SleeperException($"There is already a Sleeper instance at {root}.");
        }
        return instance;
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

    /// <summary>Opens an existing instance folder.</summary>
    public static EmbeddedInstance Open(string root, TimeProvider? time = null)
    {
        root = Path.GetFullPath(root);
        var file = Path.Combine(root, PropertiesFileName);
        if (!File.Exists(file))
        {
            throw new SleeperException($"There is no Sleeper instance at {root}. Create one with 'sleeper instance create --instance {root}', or point --instance or SLEEPER_INSTANCE at one.");
        }
        var properties = SleeperProperties.ForInstance();
        properties.Load(File.ReadAllText(file), file);
        Directory.CreateDirectory(Path.Combine(root, "tables"));
        return new EmbeddedInstance(root, properties, time ?? TimeProvider.System);
    }

    public Task SavePropertiesAsync(CancellationToken cancellationToken = default) =>
        AtomicFiles.ReplaceAsync(Path.Combine(Root, PropertiesFileName), Bytes(Properties.Save()), cancellationToken);

    public IReadOnlyList<TableStatus> ListTables() => TableIndex.List();

    public TableStatus GetTableStatus(string name) => TableIndex.Get(name) ?? throw new TableNotFoundException(name);

    /// <summary>
    /// Creates a table: writes its schema and properties, initialises its partitions, then publishes the
    /// name in the index. Until that last step nothing is visible; if the name is taken meanwhile, the new
    /// folder is removed again.
    /// </summary>
    public async Task<SleeperTable> CreateTableAsync(
        string name, TableSchema schema, SleeperProperties tableProperties,
        IReadOnlyList<Sleeper.Core.Partitions.Partition> partitions, CancellationToken cancellationToken = default)
    {
        if (TableIndex.Get(name) is not null)
        {
            throw new TableAlreadyExistsException(name);
        }
        new Sleeper.Core.Partitions.PartitionTree(partitions).Validate(schema);
        TablePropertiesCheck.Validate(schema, tableProperties);
        var id = Guid.NewGuid().ToString("N")[..16];
        var status = new TableStatus(id, name, true);
        var dir = Path.Combine(Root, id);
        AtomicFiles.CreateDirectoryDurably(dir);
        try
        {
            await AtomicFiles.ReplaceAsync(Path.Combine(dir, "schema.json"), Bytes(SchemaSerDe.ToJson(schema)), cancellationToken);
            await AtomicFiles.ReplaceAsync(Path.Combine(dir, "table.properties"), Bytes(tableProperties.Save()), cancellationToken);
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
            TryDeleteDirectory(dir);
            throw;
        }
    }

    /// <summary>Opens a table by its id (jobs name tables by id, so a rename does not strand them).</summary>
    public SleeperTable OpenTableById(string tableId)
    {
        var status = TableIndex.GetById(tableId)
            ?? throw new SleeperException($"No table has id '{tableId}'; it may have been deleted.");
        return OpenTable(status.TableName);
    }

    /// <summary>Opens a table by name; with <paramref name="requireOnline"/>, an offline table is an error.</summary>
    public SleeperTable OpenTable(string name, bool requireOnline = false)
    {
        var status = GetTableStatus(name);
        if (requireOnline && !status.Online)
        {
            throw new SleeperException($"Table '{name}' is offline; bring it back with 'sleeper table online {name}'.");
        }
        var dir = Path.Combine(Root, status.TableId);
        var schema = SchemaSerDe.FromJson(File.ReadAllText(Path.Combine(dir, "schema.json")));
        var properties = SleeperProperties.ForTable();
        var propertiesFile = Path.Combine(dir, "table.properties");
        properties.Load(File.ReadAllText(propertiesFile), propertiesFile);
        return new SleeperTable(status, schema, properties, OpenStateStore(status.TableId, schema), Objects);
    }

    /// <summary>Stores the table's properties, once they pass <see cref="TablePropertiesCheck"/> against its schema.</summary>
    public Task SaveTablePropertiesAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        TablePropertiesCheck.Validate(table.Schema, table.Properties);
        return AtomicFiles.ReplaceAsync(Path.Combine(Root, table.Id, "table.properties"), Bytes(table.Properties.Save()), cancellationToken);
    }

    /// <summary>Removes the table from the index first (so it disappears at once), then its folder.</summary>
    public void DeleteTable(string name)
    {
        var status = GetTableStatus(name);
        if (!TableIndex.Delete(name))
        {
            throw new TableNotFoundException(name);
        }
        TryDeleteDirectory(Path.Combine(Root, status.TableId));
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

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private TransactionLogStateStore OpenStateStore(string tableId, TableSchema schema) =>
        EmbeddedStateStores.Open(Path.Combine(Root, tableId, "statestore"), Objects, $"{tableId}/statestore/{EmbeddedStateStores.SnapshotsFolder}/", schema, Time, new TransactionLogStateStoreOptions
        {
            SnapshotEveryTransactions = Properties.GetInt(InstanceProperty.SnapshotEveryTransactions),
            LoadSnapshotWhenBehindBy = Properties.GetInt(InstanceProperty.SnapshotLoadWhenBehindBy),
            DeleteTransactionsBehindSnapshotsOlderThan = TimeSpan.FromMinutes(Properties.GetInt(InstanceProperty.DeleteBehindSnapshotMinAgeMinutes)),
        });

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
