using Microsoft.Extensions.Logging;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;

namespace Sleeper.StateStore;

/// <summary>Opens the embedded state store of a table: its transaction log and snapshots in a local folder.</summary>
public static class EmbeddedStateStores
{
    public const string TransactionsFolder = "transactions";
    public const string SnapshotsFolder = "snapshots";

    /// <summary>
    /// A state store over <c>&lt;stateStoreDirectory&gt;/transactions</c> and <c>&lt;stateStoreDirectory&gt;/snapshots</c>,
    /// creating them if needed. Any number of instances, in any number of processes on this machine, may share the folder.
    /// </summary>
    public static TransactionLogStateStore Open(
        string stateStoreDirectory,
        TableSchema schema,
        TimeProvider? time = null,
        TransactionLogStateStoreOptions? options = null,
        Random? random = null,
        ILogger? logger = null) =>
        Open(stateStoreDirectory, new FileSnapshotStore(Path.Combine(stateStoreDirectory, SnapshotsFolder)), schema, time, options, random, logger);

    /// <summary>
    /// The state store of a table of an instance: its log under <c>&lt;stateStoreDirectory&gt;/transactions</c>
    /// and its snapshots as objects of <paramref name="objects"/> under <paramref name="snapshotsPrefix"/>.
    /// </summary>
    public static TransactionLogStateStore Open(
        string stateStoreDirectory,
        IObjectStore objects,
        string snapshotsPrefix,
        TableSchema schema,
        TimeProvider? time = null,
        TransactionLogStateStoreOptions? options = null,
        Random? random = null,
        ILogger? logger = null) =>
        Open(stateStoreDirectory, new ObjectStoreSnapshotStore(objects, snapshotsPrefix), schema, time, options, random, logger);

    private static TransactionLogStateStore Open(
        string stateStoreDirectory,
        ITransactionLogSnapshotStore snapshots,
        TableSchema schema,
        TimeProvider? time,
        TransactionLogStateStoreOptions? options,
        Random? random,
        ILogger? logger) =>
        new(schema, new FileTransactionLogStore(Path.Combine(stateStoreDirectory, TransactionsFolder)), snapshots, time, random, options, logger);
}
