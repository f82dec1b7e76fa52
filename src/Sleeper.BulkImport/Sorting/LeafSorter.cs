using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.BulkImport.Sorting;

/// <summary>
/// Sorts the rows of one leaf partition scattered over many buffered batches. Only the key columns are gathered
/// to find the order; the whole rows are then gathered once, already in that order, in chunks, so the value
/// columns (most of the bytes) are copied a single time and never all at once.
/// </summary>
public static class LeafSorter
{
    /// <summary>The leaf's rows in key order, as batches of at most <paramref name="chunkRows"/> rows.</summary>
    /// <param name="runs">Runs of rows of <paramref name="sources"/>, each source's column order the table's.</param>
    public static IEnumerable<RecordBatch> Sorted(TableSchema schema, Apache.Arrow.Schema arrowSchema, IReadOnlyList<RecordBatch> sources,
        SourceRun[] runs, int chunkRows)
    {
        var order = SortedRuns(schema, arrowSchema, sources, runs);
        return Chunks(arrowSchema, sources, order, chunkRows);
    }

    /// <summary>Runs of rows in key order, consecutive rows of one source merged into one run.</summary>
    public static SourceRun[] SortedRuns(TableSchema schema, Apache.Arrow.Schema arrowSchema, IReadOnlyList<RecordBatch> sources, SourceRun[] runs)
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
        // The keys are gathered run by run (whole runs copied at once); the sort's permutation indexes rows of them.
        var keySchema = new Apache.Arrow.Schema(arrowSchema.FieldsList.Take(schema.KeyFieldCount), null);
        int[] permutation;
        using (var keys = BatchGather.Gather(keySchema, sources, runs, (int)rows))
        {
            permutation = BatchSorter.SortPermutation(keys, schema);
        }
        // Row i of the gathered keys is row (runStartRow[r] + offset) of source runs[r].
        var runOfRow = new int[rows];
        var row = 0;
        for (var r = 0; r < runs.Length; r++)
        {
            System.Array.Fill(runOfRow, r, row, runs[r].Length);
            row += runs[r].Length;
        }
        var firstRowOfRun = new int[runs.Length];
        for (int r = 0, at = 0; r < runs.Length; at += runs[r].Length, r++)
        {
            firstRowOfRun[r] = at;
        }
        var sorted = new SourceRun[rows];
        var count = 0;
        foreach (var p in permutation)
        {
            var run = runs[runOfRow[p]];
            var source = run.Source;
            var start = run.Start + (p - firstRowOfRun[runOfRow[p]]);
            if (count > 0 && sorted[count - 1].Source == source && sorted[count - 1].Start + sorted[count - 1].Length == start)
            {
                sorted[count - 1] = sorted[count - 1] with { Length = sorted[count - 1].Length + 1 };
            }
            else
            {
                sorted[count++] = new SourceRun(source, start, 1);
            }
        }
        return sorted.AsSpan(0, count).ToArray();
    }

    private static IEnumerable<RecordBatch> Chunks(Apache.Arrow.Schema arrowSchema, IReadOnlyList<RecordBatch> sources, SourceRun[] order, int chunkRows)
    {
        var chunk = new List<SourceRun>();
        var rows = 0;
        foreach (var run in order)
        {
            var start = run.Start;
            var left = run.Length;
            while (left > 0)
            {
                var take = Math.Min(left, chunkRows - rows);
                chunk.Add(new SourceRun(run.Source, start, take));
                rows += take;
                start += take;
                left -= take;
                if (rows == chunkRows)
                {
                    yield return BatchGather.Gather(arrowSchema, sources, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chunk), rows);
                    chunk.Clear();
                    rows = 0;
                }
            }
        }
        if (rows > 0)
        {
            yield return BatchGather.Gather(arrowSchema, sources, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chunk), rows);
        }
    }
}
