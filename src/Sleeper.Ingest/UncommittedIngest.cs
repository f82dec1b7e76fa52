using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Parquet;

namespace Sleeper.Ingest;

/// <summary>
/// Writes an ingest's files into a table's data folder without committing them, so that the caller makes the
/// one AddFiles commit itself and can record, before it, which files that commit will add.
/// </summary>
/// <remarks>
/// The ingest runs against a private copy of the table whose state store is in memory and holds the table's
/// current partitions: the runner writes and "commits" there exactly as it would into the table, and the
/// references it returns are the AddFiles the caller commits to the real table.
/// </remarks>
public static class UncommittedIngest
{
    public static async Task<IngestResult> WriteAsync(SleeperTable table, IEnumerable<IIngestInput> inputs, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var partitions = (await table.StateStore.GetStateAsync(cancellationToken)).Partitions.Values.ToList();
        var staging = new TransactionLogStateStore(table.Schema, new InMemoryTransactionLogStore(), new InMemorySnapshotStore());
        await staging.InitialiseAsync(partitions, cancellationToken);
        var copy = new SleeperTable(table.Status, table.Schema, table.Properties, staging, table.InstanceRoot);
        return await new IngestRunner(copy).IngestAsync(inputs, progress, cancellationToken);
    }

    /// <summary>Deletes files written but not committed (and their sketches); a file already gone is fine.</summary>
    public static void Delete(SleeperTable table, IEnumerable<string> filenames)
    {
        foreach (var filename in filenames)
        {
            var path = table.ResolveDataFile(filename);
            File.Delete(path);
            File.Delete(SketchesFile.PathFor(path));
        }
    }
}
