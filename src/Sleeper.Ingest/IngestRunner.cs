using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Parquet;

namespace Sleeper.Ingest;

/// <summary>
/// Direct ingest: takes validated, unsorted batches, sorts each on its columns, writes it as sorted Parquet
/// (one file referenced from every leaf it covers, or one file per leaf, by the table's writing strategy),
/// and commits every file in one AddFiles transaction at the end. If anything fails before the commit, the
/// files written so far are deleted and the table is unchanged.
/// </summary>
public sealed class IngestRunner(SleeperTable table)
{
    public const string OneReferencePerLeaf = "one_reference_per_leaf";
    public const string OneFilePerLeaf = "one_file_per_leaf";

    /// <summary>Ingests rows from files or standard input; reports the rows read so far.</summary>
    public Task<IngestResult> IngestAsync(IEnumerable<IIngestInput> inputs, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var maxRows = table.Properties.GetInt(TableProperty.IngestBatchRows);
        return IngestBatchesAsync(inputs.SelectMany(i => i.ReadBatches(table.Schema, maxRows)), progress, cancellationToken);
    }

    /// <summary>Ingests batches already in the table's column order and validated (keys non-null, types right).</summary>
    public async Task<IngestResult> IngestBatchesAsync(IEnumerable<RecordBatch> batches, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var locator = new PartitionLocator(state.PartitionTree(), table.Schema);
        var onePerLeaf = string.Equals(table.Properties.Get(TableProperty.IngestFileWritingStrategy), OneFilePerLeaf, StringComparison.OrdinalIgnoreCase);
        var settings = ParquetWriteSettings.From(table.Schema, table.Properties);
        var references = new List<FileReference>();
        var written = new List<string>();
        long rows = 0;
        // One batch is written in the background while the next is read and sorted: the two halves of the
        // work then share the machine's cores instead of taking turns.
        var pending = Task.CompletedTask;
        try
        {
            foreach (var batch in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RecordBatch sorted;
                int[] leafOfRow;
                using (batch)
                {
                    if (batch.Length == 0)
                    {
                        continue;
                    }
                    CheckNoNullKeys(batch);
                    var permutation = BatchSorter.SortPermutation(batch, table.Schema);
                    sorted = BatchTake.Take(batch, permutation);
                    leafOfRow = locator.LocateSorted(sorted);
                }
                await pending;
                pending = Task.Run(async () =>
                {
                    using (sorted)
                    {
                        if (onePerLeaf)
                        {
                            await WriteFilePerLeafAsync(sorted, leafOfRow, locator.Leaves, settings, references, written, cancellationToken);
                        }
                        else
                        {
                            await WriteOneFileAsync(sorted, leafOfRow, locator.Leaves, settings, references, written, cancellationToken);
                        }
                    }
                }, cancellationToken);
                rows += leafOfRow.Length;
                progress?.Report(rows);
            }
            await pending;
            if (references.Count > 0)
            {
                await table.StateStore.CommitAsync(new AddFilesTransaction(references), cancellationToken);
            }
            return new IngestResult(rows, written.Count, references);
        }
        catch
        {
            try
            {
                await pending;
            }
            catch
            {
                // The write in flight failed too, or was cancelled: its file is in the list either way.
            }
            foreach (var path in written)
            {
                DeleteQuietly(path);
                DeleteQuietly(Path.ChangeExtension(path, ".sketches"));
            }
            throw;
        }
    }

    private async Task WriteOneFileAsync(RecordBatch sorted, int[] leafOfRow, IReadOnlyList<Partition> leaves, ParquetWriteSettings settings,
        List<FileReference> references, List<string> written, CancellationToken cancellationToken)
    {
        var counts = new long[leaves.Count];
        foreach (var leaf in leafOfRow)
        {
            counts[leaf]++;
        }
        var used = Enumerable.Range(0, leaves.Count).Where(i => counts[i] > 0).ToList();
        var partitionId = used.Count == 1 ? leaves[used[0]].Id : PartitionsBuilder.RootId;
        var (filename, path) = table.NewDataFile(partitionId);
        written.Add(path);
        await WriteAsync(path, sorted, settings, cancellationToken);
        foreach (var i in used)
        {
            references.Add(new FileReference(filename, leaves[i].Id, counts[i], CountApproximate: false, OnlyContainsDataForThisPartition: used.Count == 1));
        }
    }

    private async Task WriteFilePerLeafAsync(RecordBatch sorted, int[] leafOfRow, IReadOnlyList<Partition> leaves, ParquetWriteSettings settings,
        List<FileReference> references, List<string> written, CancellationToken cancellationToken)
    {
        // Stable grouping keeps each leaf's rows in sorted order.
        var rowsOfLeaf = new List<int>?[leaves.Count];
        for (var row = 0; row < leafOfRow.Length; row++)
        {
            (rowsOfLeaf[leafOfRow[row]] ??= []).Add(row);
        }
        for (var i = 0; i < leaves.Count; i++)
        {
            if (rowsOfLeaf[i] is not { } leafRows)
            {
                continue;
            }
            using var part = leafRows.Count == sorted.Length ? null : BatchTake.Take(sorted, leafRows.ToArray());
            var (filename, path) = table.NewDataFile(leaves[i].Id);
            written.Add(path);
            await WriteAsync(path, part ?? sorted, settings, cancellationToken);
            references.Add(new FileReference(filename, leaves[i].Id, leafRows.Count));
        }
    }

    private static async Task WriteAsync(string path, RecordBatch sorted, ParquetWriteSettings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new SortedParquetWriter(path, settings);
        writer.Write(sorted);
        await writer.CommitAsync(cancellationToken);
    }

    private void CheckNoNullKeys(RecordBatch batch)
    {
        for (var i = 0; i < table.Schema.KeyFieldCount; i++)
        {
            if (batch.Column(i).NullCount > 0)
            {
                throw new RowValidationException($"Key field '{table.Schema.AllFields[i].Name}' is null in {batch.Column(i).NullCount} row(s); key fields must have a value.");
            }
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // An unreferenced file left behind is harmless: garbage collection removes it.
        }
    }
}
