using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.StateStore;

// Usage:
//   add <stateStoreDir> <filePrefix> <count> <startSignalFile>
//       commits <count> AddFiles transactions of one file each, named <filePrefix>-<i>, into the root partition.
//   assign <stateStoreDir> <filename> <jobId> <startSignalFile>
//       assigns the file in the root partition to the job; exit code 0 if it won, 3 if it was rejected.
// Every committer waits for the start signal file to appear, so the test can release them all at once.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: add <dir> <prefix> <count> <signal> | assign <dir> <filename> <jobId> <signal>");
    return 2;
}
var schema = new TableSchema([new Field("key", LongType.Instance)]);
var store = EmbeddedStateStores.Open(args[1], schema);
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
            await store.CommitAsync(new AddFilesTransaction([new FileReference($"{args[2]}-{i}", PartitionsBuilder.RootId, 100 + i)]));
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
