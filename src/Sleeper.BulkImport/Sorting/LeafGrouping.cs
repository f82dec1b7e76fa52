using Apache.Arrow;
using Sleeper.Core.Batches;

namespace Sleeper.BulkImport.Sorting;

/// <summary>
/// Reorders a batch just read so each leaf partition's rows are contiguous (a stable counting sort by leaf).
/// Done while the batch is hot in the cache, it costs a sequential copy; in return each leaf's rows later sit
/// in a few long runs rather than scattered a row at a time over every batch held, so sorting and gathering a
/// leaf touches only its own memory instead of missing the cache on every row.
/// </summary>
public static class LeafGrouping
{
    /// <param name="buffers">Where the grouped batch's buffers come from; new arrays when not given.</param>
    /// <returns>The grouped batch (a new one; the input is left alone) and the leaf of each of its rows, ascending.</returns>
    public static (RecordBatch Grouped, int[] LeafOfRow) Group(RecordBatch batch, int[] leafOfRow, int leaves, Schema arrowSchema,
        BufferRecycler? buffers = null)
    {
        var starts = new int[leaves + 1];
        foreach (var leaf in leafOfRow)
        {
            starts[leaf + 1]++;
        }
        for (var i = 0; i < leaves; i++)
        {
            starts[i + 1] += starts[i];
        }
        var runs = new SourceRun[leafOfRow.Length];
        var grouped = new int[leafOfRow.Length];
        var next = starts.AsSpan(0, leaves).ToArray();
        for (var row = 0; row < leafOfRow.Length; row++)
        {
            var at = next[leafOfRow[row]]++;
            runs[at] = new SourceRun(0, row, 1);
            grouped[at] = leafOfRow[row];
        }
        return (BatchGather.Gather(arrowSchema, [batch], runs, batch.Length, buffers), grouped);
    }
}
