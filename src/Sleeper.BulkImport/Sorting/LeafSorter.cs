using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.BulkImport.Sorting;

/// <summary>
/// Sorts the rows of one leaf partition scattered over many buffered batches: the leaf's runs are copied whole
/// into one batch, which is sorted and gathered into key order as ingest sorts its batches. Copying long runs
/// is sequential and cheap; gathering from many sources row by row missed the cache on every row and was slower
/// (10M rows into 64 leaves: 5.5-6.2 s against 6.5 s).
/// </summary>
public static class LeafSorter
{
    /// <summary>The leaf's rows in key order, as batches of at most <paramref name="chunkRows"/> rows.</summary>
    /// <param name="runs">Runs of rows of <paramref name="sources"/>, each source's column order the table's.</param>
    public static IEnumerable<RecordBatch> Sorted(TableSchema schema, Apache.Arrow.Schema arrowSchema, IReadOnlyList<RecordBatch> sources,
        SourceRun[] runs, int chunkRows) =>
        Slices(SortedBatch(schema, arrowSchema, sources, runs), chunkRows, dispose: true);

    /// <summary>The leaf's rows in key order, in one batch the caller owns.</summary>
    /// <param name="runs">Runs of rows of <paramref name="sources"/>, each source's column order the table's.</param>
    /// <param name="buffers">Where the batches' buffers come from: the leaf's rows are copied once into one batch
    /// and once more in key order, and the first copy's arrays are given back as soon as the second is made.</param>
    public static RecordBatch SortedBatch(TableSchema schema, Apache.Arrow.Schema arrowSchema, IReadOnlyList<RecordBatch> sources,
        SourceRun[] runs, BufferRecycler? buffers = null)
    {
        var rows = 0L;
        foreach (var run in runs)
        {
            rows += run.Length;
        }
        if (rows > System.Array.MaxLength)
        {
            throw new InvalidOperationException($"A leaf partition holds {rows:N0} rows in memory, more than one sort can take; give the bulk import less memory so it spills sooner.");
        }
        // The leaf's runs are copied whole into one batch (sequential copies), sorted there, and gathered once
        // into key order: the same steps as ingest, and cheaper than gathering row by row from many sources.
        using var leaf = BatchGather.Gather(arrowSchema, sources, runs, (int)rows, buffers);
        var sorted = BatchTake.Take(leaf, BatchSorter.SortPermutation(leaf, schema), buffers);
        buffers?.Recycle(leaf);
        return sorted;
    }

    /// <summary>A sorted batch as slices of at most <paramref name="chunkRows"/> rows.</summary>
    /// <param name="dispose">Dispose of the batch once every slice was taken.</param>
    public static IEnumerable<RecordBatch> Slices(RecordBatch sorted, int chunkRows, bool dispose)
    {
        try
        {
            for (var start = 0; start < sorted.Length; start += chunkRows)
            {
                yield return sorted.Slice(start, Math.Min(chunkRows, sorted.Length - start));
            }
        }
        finally
        {
            if (dispose)
            {
                sorted.Dispose();
            }
        }
    }
}
