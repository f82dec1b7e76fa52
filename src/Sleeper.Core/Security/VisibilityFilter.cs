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
        // Neighbouring rows often carry the same label: compare with the last one before a lookup.
        ReadOnlySpan<byte> last = default;
        var lastAnswer = false;
        var haveLast = false;
        for (var row = 0; row < batch.Length; row++)
        {
            bool visible;
            if (column.IsNull(row))
            {
                visible = true;
            }
            else
            {
                var bytes = column.GetBytes(row);
                if (haveLast && bytes.SequenceEqual(last))
                {
                    visible = lastAnswer;
                }
                else
                {
                    visible = Evaluator.CanSee(bytes);
                    last = bytes;
                    lastAnswer = visible;
                    haveLast = true;
                }
            }
            if (visible)
            {
                keep[kept++] = row;
            }
        }
        return kept == batch.Length ? null : keep[..kept];
    }
}
