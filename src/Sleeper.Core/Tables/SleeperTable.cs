using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;

namespace Sleeper.Core.Tables;

/// <summary>An open table: its status, schema, properties, state store, and where its data files live.</summary>
public sealed class SleeperTable(TableStatus status, TableSchema schema, SleeperProperties properties, TransactionLogStateStore stateStore, string instanceRoot)
{
    public TableStatus Status { get; } = status;
    public string Name => Status.TableName;
    public string Id => Status.TableId;
    public TableSchema Schema { get; } = schema;
    public SleeperProperties Properties { get; } = properties;
    public TransactionLogStateStore StateStore { get; } = stateStore;

    /// <summary>The root under which file references' names resolve.</summary>
    public string InstanceRoot { get; } = instanceRoot;

    /// <summary>The folder holding this table's schema, properties, data and state store.</summary>
    public string Directory => Path.Combine(InstanceRoot, Id);

    /// <summary>
    /// A new data file name for a partition, relative to the instance root (the form stored in file
    /// references, so an instance folder can be moved), with its absolute path.
    /// </summary>
    public (string Filename, string FullPath) NewDataFile(string partitionId)
    {
        var relative = $"{Id}/data/partition_{partitionId}/{Guid.NewGuid()}.parquet";
        return (relative, ResolveDataFile(relative));
    }

    /// <summary>The absolute path of a data file named in a file reference; never outside the instance folder.</summary>
    public string ResolveDataFile(string filename)
    {
        var root = Path.GetFullPath(InstanceRoot).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, filename));
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new SleeperException($"File '{filename}' of table '{Name}' resolves outside the instance folder {InstanceRoot}; refusing to use it.");
        }
        return full;
    }
}
