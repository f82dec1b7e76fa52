using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;

namespace Sleeper.Ingest.Output;

/// <summary>
/// A contiguous range of leaves, by the first row key, whose rows one merge-and-write pipeline handles. Ingest
/// cuts the key space into a range per core, each with about the same number of rows, so that the final merge
/// and the Parquet encoding, the costliest steps, run on every core: each range becomes files of its own.
/// </summary>
internal sealed record KeyRangeGroup(object? Min, object? Max, long[] RowsPerLeaf)
{
    /// <summary>
    /// Up to <paramref name="maxGroups"/> ranges of about equal rows, cut at leaf boundaries. One range (the
    /// whole key space) when the leaves are not intervals of the first row key or fewer than two hold rows.
    /// </summary>
    public static IReadOnlyList<KeyRangeGroup> Plan(PartitionLocator locator, long[] rowsPerLeaf, int maxGroups)
    {
        var order = locator.LeavesInKeyOrder;
        var nonEmpty = order?.Count(i => rowsPerLeaf[i] > 0) ?? 0;
        var count = Math.Min(maxGroups, nonEmpty);
        if (order is null || count < 2)
        {
            return [new KeyRangeGroup(null, null, rowsPerLeaf)];
        }
        var total = rowsPerLeaf.Sum();
        var groups = new List<KeyRangeGroup>();
        var first = 0;
        long before = 0;
        for (var position = 0; position < order.Count; position++)
        {
            before += rowsPerLeaf[order[position]];
            var last = position == order.Count - 1;
            // Close a range once it reaches its share of the rows, unless it is the last range.
            if (last || (groups.Count < count - 1 && before >= total * (groups.Count + 1) / count))
            {
                var leafRows = new long[rowsPerLeaf.Length];
                for (var i = first; i <= position; i++)
                {
                    leafRows[order[i]] = rowsPerLeaf[order[i]];
                }
                var min = first == 0 ? null : locator.Leaves[order[first]].Region[0].Min;
                var max = last ? null : locator.Leaves[order[position + 1]].Region[0].Min;
                if (leafRows.Any(r => r > 0))
                {
                    groups.Add(new KeyRangeGroup(min, max, leafRows));
                }
                else if (groups.Count > 0)
                {
                    // Nothing in it: the range before reaches over it instead.
                    groups[^1] = groups[^1] with { Max = max };
                }
                first = position + 1;
            }
        }
        if (groups[0].Min is not null)
        {
            groups[0] = groups[0] with { Min = null };
        }
        return groups;
    }

    /// <summary>
    /// The rows of a sorted input inside this range (first row key in [Min, Max)), as slices of its batches.
    /// Batches wholly before the range are dropped; reading stops at the first batch past it.
    /// </summary>
    public IEnumerable<RecordBatch> Within(IEnumerable<RecordBatch> sorted)
    {
        if (Min is null && Max is null)
        {
            foreach (var batch in sorted)
            {
                yield return batch;
            }
            yield break;
        }
        foreach (var batch in sorted)
        {
            var column = batch.Column(0);
            var start = Min is null ? 0 : KeySearch.LowerBound(column, Min);
            var end = Max is null ? batch.Length : KeySearch.LowerBound(column, Max);
            if (start >= end)
            {
                var past = end == 0 && Max is not null && batch.Length > 0;
                batch.Dispose();
                if (past)
                {
                    yield break;
                }
                continue;
            }
            // A slice shares the batch's buffers, and whoever disposes the slice frees them: the batch itself is
            // not disposed here.
            yield return start == 0 && end == batch.Length ? batch : batch.Slice(start, end - start);
            if (end < batch.Length)
            {
                yield break;
            }
        }
    }
}
