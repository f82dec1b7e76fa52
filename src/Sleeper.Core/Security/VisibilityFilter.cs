using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Iterators;

namespace Sleeper.Core.Security;

/// <summary>
/// Keeps only the rows whose access expression (in the table's visibility field) the caller's authorisations
/// satisfy. Every query of a table with a visibility field runs it, right after the table's own iterators and
/// before any iterator the query names, so no code a query supplies ever sees a row its caller may not see.
/// A null expression is the empty one, visible to all; a malformed one hides its row.
/// </summary>
public sealed class VisibilityFilter : ISortedBatchIterator
{
    private readonly string _fieldName;

    public VisibilityFilter(string fieldName, Authorisations authorisations)
    {
        _fieldName = fieldName;
        Evaluator = new VisibilityEvaluator(authorisations);
    }

    /// <summary>The field holding each row's expression.</summary>
    public string FieldName => _fieldName;

    /// <summary>Judges the expressions, remembering each distinct one; shared by every batch this filter sees.</summary>
    public VisibilityEvaluator Evaluator { get; }

    public IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches)
    {
        foreach (var batch in sortedBatches)
        {
            int[]? keep;
            try
            {
                keep = Select(batch);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
            if (keep is null)
            {
                yield return batch;
                continue;
            }
            using (batch)
            {
                if (keep.Length > 0)
                {
                    yield return BatchTake.Take(batch, keep);
                }
            }
        }
    }

    /// <summary>The rows to keep, in order; null when that is all of them.</summary>
    private int[]? Select(RecordBatch batch)
    {
        var index = batch.Schema.GetFieldIndex(_fieldName, StringComparer.Ordinal);
        // Without the column nothing can be judged: fail rather than pass rows through unchecked.
        if (index < 0 || batch.Column(index) is not StringArray column)
        {
            throw new SleeperException($"The visibility filter cannot find string field '{_fieldName}' in the rows it was given; no rows are returned without it.");
        }
        var keep = new int[batch.Length];
        var kept = 0;
        // A batch usually holds a handful of distinct labels: the answers for the first few met are kept in a
        // small table compared byte by byte, which is cheaper than hashing every label for the shared lookup.
        var recent = new RecentLabel[RecentLabels];
        var recentCount = 0;
        var offsets = column.ValueOffsets;
        var values = column.ValueBuffer.Span;
        var hasNulls = column.NullCount > 0;
        for (var row = 0; row < batch.Length; row++)
        {
            bool visible;
            if (hasNulls && column.IsNull(row))
            {
                visible = true;
            }
            else
            {
                var start = offsets[row];
                var bytes = values.Slice(start, offsets[row + 1] - start);
                var found = -1;
                for (var i = 0; i < recentCount; i++)
                {
                    if (recent[i].Length == bytes.Length && bytes.SequenceEqual(values.Slice(recent[i].Start, recent[i].Length)))
                    {
                        found = i;
                        break;
                    }
                }
                if (found >= 0)
                {
                    visible = recent[found].Visible;
                }
                else
                {
                    visible = Evaluator.CanSee(bytes);
                    if (recentCount < RecentLabels)
                    {
                        recent[recentCount++] = new RecentLabel(start, bytes.Length, visible);
                    }
                }
            }
            if (visible)
            {
                keep[kept++] = row;
            }
        }
        return kept == batch.Length ? null : keep[..kept];
    }

    private const int RecentLabels = 8;

    /// <summary>A label met earlier in the same batch, by its place in the column's value buffer, and its answer.</summary>
    private readonly record struct RecentLabel(int Start, int Length, bool Visible);
}
