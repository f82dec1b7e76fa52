using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Postgres;
using Sleeper.StateStore;

// Usage:
//   add <store> <filePrefix> <count> <startSignalFile>
//       commits <count> AddFiles transactions of one file each, named <filePrefix>-<i>, into the root partition.
//   assign <store> <filename> <jobId> <startSignalFile>
//       assigns the file in the root partition to the job; exit code 0 if it won, 3 if it was rejected.
// <store> is the embedded state store's folder, or a PostgreSQL backend:
//   postgresql://user@host:port/database?schema=<schema>&table=<tableId>&snapshots=<folder>
//   (the transaction log in PostgreSQL, snapshots as objects in a local folder standing for the object store).
// Every committer waits for the start signal file to appear, so the test can release them all at once.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: add <dir> <prefix> <count> <signal> | assign <dir> <filename> <jobId> <signal>");
    return 2;
}
var schema = new TableSchema([new Field("key", LongType.Instance)]);
await using var postgres = args[1].StartsWith("postgresql://", StringComparison.Ordinal) ? PostgresBackend.Parse(args[1]) : null;
var store = postgres?.Open(schema) ?? EmbeddedStateStores.Open(args[1], schema);
await store.UpdateAsync();
while (!File.Exists(args[4]))
{
    await Task.Delay(5);
}
switch (args[0])
{
    case "add":
        for (var i = 0; i < int.Parse(args[3]); i++)
        {
            var committed = await store.CommitAsync(new AddFilesTransaction([new FileReference($"{args[2]}-{i}", PartitionsBuilder.RootId, 100 + i)]));
            Console.WriteLine($"committed {committed.TransactionNumber} {committed.TransactionId}");
        }
        Console.WriteLine($"committed {args[3]} with {store.ConflictCount} conflicts");
        return 0;
    case "assign":
        try
        {
            await store.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest(args[3], PartitionsBuilder.RootId, [args[2]])]));
            Console.WriteLine("won");
            return 0;
        }
        catch (StateStoreValidationException e)
        {
            Console.WriteLine($"rejected: {e.Message}");
            return 3;
        }
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}

/// <summary>A state store with its log in PostgreSQL, named by a URI whose query also gives the schema, table and snapshot folder.</summary>
internal sealed record PostgresBackend(PostgresDatabase Database, string TableId, string SnapshotsFolder) : IAsyncDisposable
{
    public static PostgresBackend Parse(string uri)
    {
        var query = uri.IndexOf('?');
        var options = uri[(query + 1)..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        return new PostgresBackend(new PostgresDatabase(uri[..query], options["schema"]), options["table"], options["snapshots"]);
    }

    public TransactionLogStateStore Open(TableSchema schema) =>
        new(schema, new PostgresTransactionLogStore(Database, TableId), new FileSnapshotStore(SnapshotsFolder));

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
