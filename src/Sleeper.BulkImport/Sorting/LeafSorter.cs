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
        var single = new SourceRun[rows];
        var i = 0;
        foreach (var run in runs)
        {
            for (var r = 0; r < run.Length; r++)
            {
                single[i++] = new SourceRun(run.Source, run.Start + r, 1);
            }
        }
        var keySchema = new Apache.Arrow.Schema(arrowSchema.FieldsList.Take(schema.KeyFieldCount), null);
        int[] permutation;
        using (var keys = BatchGather.Gather(keySchema, sources, single, (int)rows))
        {
            permutation = BatchSorter.SortPermutation(keys, schema);
        }
        var sorted = new List<SourceRun>();
        foreach (var p in permutation)
        {
            var row = single[p];
            if (sorted.Count > 0 && sorted[^1] is var last && last.Source == row.Source && last.Start + last.Length == row.Start)
            {
                sorted[^1] = last with { Length = last.Length + 1 };
            }
            else
            {
                sorted.Add(row);
            }
        }
        return sorted.ToArray();
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
