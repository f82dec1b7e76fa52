using Sleeper.Core;
using Sleeper.Core.Checks;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Parquet;

namespace Sleeper.Maintenance.Checks;

/// <summary>
/// Every file the state store references exists, is readable as Parquet with the table's schema, and holds at
/// least the rows its references count; every reference is to a partition of the table. These are problems
/// only a person can repair (restore the file from a backup, or forget it), so none is repaired here.
/// </summary>
public sealed class ReferencedFilesCheck(IObjectStore store) : ITableCheck
{
    public const string MissingFile = "missing-file";
    public const string UnreadableFile = "unreadable-file";
    public const string TooFewRows = "too-few-rows";
    public const string UnknownPartition = "reference-to-unknown-partition";

    public string Name => "referenced files";

    public async Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var problems = new List<TableProblem>();
        foreach (var file in state.Files.Values.Where(f => f.References.Count > 0).OrderBy(f => f.Filename, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var reference in file.References.Values.Where(r => !state.Partitions.ContainsKey(r.PartitionId)))
            {
                problems.Add(new TableProblem(UnknownPartition, file.Filename,
                    $"Referenced from partition '{reference.PartitionId}', which the table does not have.", Repairable: false));
            }
            if (await store.GetInfoAsync(file.Filename, cancellationToken) is null)
            {
                problems.Add(new TableProblem(MissingFile, file.Filename,
                    $"Referenced from {file.References.Count} partition(s) but missing from {store.Location}.", Repairable: false));
                continue;
            }
            long rows;
            try
            {
                rows = await RowCountAsync(table, file.Filename, cancellationToken);
            }
            catch (SleeperException e)
            {
                problems.Add(new TableProblem(UnreadableFile, file.Filename, e.Message, Repairable: false));
                continue;
            }
            // A reference split between partitions counts an estimate of its part; the exact ones add up, and no
            // one part can hold more than the whole file.
            var exact = file.References.Values.Where(r => !r.CountApproximate).Sum(r => r.NumberOfRows);
            var largest = file.References.Values.Max(r => r.NumberOfRows);
            if (exact > rows || largest > rows)
            {
                problems.Add(new TableProblem(TooFewRows, file.Filename,
                    $"Holds {rows} rows but its references count {Math.Max(exact, largest)}.", Repairable: false));
            }
        }
        return problems;
    }

    public Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);

    private async Task<long> RowCountAsync(SleeperTable table, string filename, CancellationToken cancellationToken)
    {
        using var reader = await SortedParquetReader.OpenAsync(store, filename, table.Schema, cancellationToken: cancellationToken);
        return reader.RowCount;
    }
}
