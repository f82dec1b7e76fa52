using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;

namespace Sleeper.Core.Tables;

/// <summary>An open table: its status, schema, properties, state store, and the store that holds its files.</summary>
public sealed class SleeperTable(TableStatus status, TableSchema schema, SleeperProperties properties, TransactionLogStateStore stateStore, IObjectStore objects)
{
    public TableStatus Status { get; } = status;
    public string Name => Status.TableName;
    public string Id => Status.TableId;
    public TableSchema Schema { get; } = schema;
    public SleeperProperties Properties { get; } = properties;
    public TransactionLogStateStore StateStore { get; } = stateStore;

    /// <summary>
    /// Where the table's data files, sketches, snapshots and other files live. File references name objects
    /// in it (relative to the instance, so an instance can be moved); the store refuses names that would leave it.
    /// </summary>
    public IObjectStore Objects { get; } = objects;

    /// <summary>The prefix of every object of this table: <c>&lt;tableId&gt;/</c>.</summary>
    public string ObjectPrefix => Id + "/";

    /// <summary>A new, unique data file name for a partition, in the form file references store.</summary>
    public string NewDataFileName(string partitionId) => $"{Id}/data/partition_{partitionId}/{Guid.NewGuid()}.parquet";
}
