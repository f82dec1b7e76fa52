using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>
/// Merges inputs that are each sorted by key into one sorted stream of batches. It holds only the current
/// batch of each input and the output being built, and copies runs of consecutive rows of one input at a time.
/// Input batches are not disposed: they belong to whoever produced them.
/// </summary>
public static class SortedBatchMerger
{
    /// <summary>
    /// Sorted batches of at most <paramref name="maxBatchRows"/> rows (all full but the last). Rows with
    /// equal keys come in input order.
    /// </summary>
    public static IEnumerable<RecordBatch> Merge(IReadOnlyList<IEnumerable<RecordBatch>> inputs, TableSchema schema, int maxBatchRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchRows, 1);
        return MergeIterator(inputs, schema, maxBatchRows);
    }

    private static IEnumerable<RecordBatch> MergeIterator(IReadOnlyList<IEnumerable<RecordBatch>> inputs, TableSchema schema, int maxBatchRows)
    {
        var keyCount = schema.KeyFieldCount;
        var queue = new PriorityQueue<Cursor, Cursor>(CursorOrder.Instance);
        var cursors = new List<Cursor>();
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                var cursor = new Cursor(i, inputs[i].GetEnumerator(), keyCount);
                cursors.Add(cursor);
                if (cursor.MoveToNextBatch())
                {
                    queue.Enqueue(cursor, cursor);
                }
            }
            var builder = new RecordBatchBuilder(ArrowSchemas.ToArrow(schema), Math.Min(maxBatchRows, 64 * 1024));
            while (queue.TryDequeue(out var current, out _))
            {
                var room = maxBatchRows - builder.Count;
                var end = queue.TryPeek(out var next, out _)
                    ? RunEnd(current, next, Math.Min(current.Batch.Length, current.Row + room))
                    : Math.Min(current.Batch.Length, current.Row + room);
                builder.AppendRows(current.Batch, current.Row, end - current.Row);
                current.Row = end;
                if (current.Row < current.Batch.Length || current.MoveToNextBatch())
                {
                    queue.Enqueue(current, current);
                }
                if (builder.Count == maxBatchRows)
                {
                    yield return builder.Build();
                }
            }
            if (builder.Count > 0)
            {
                yield return builder.Build();
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                cursor.Dispose();
            }
        }
    }

    /// <summary>
    /// The end of the run of rows of <paramref name="current"/>, from its current row and before
    /// <paramref name="limit"/>, that sort before the head of <paramref name="next"/>; the current row itself
    /// always belongs to the run. Rows are sorted, so a galloping search finds the end: quick for the short
    /// runs of interleaved inputs and for the long runs of inputs that barely overlap.
    /// </summary>
    private static int RunEnd(Cursor current, Cursor next, int limit)
    {
        // On equal keys the lower input goes first, matching the queue's order.
        var takeEqual = current.Input < next.Input;
        bool InRun(int row)
        {
            var c = KeyColumn.CompareRows(current.Keys, row, next.Keys, next.Row);
            return c < 0 || (c == 0 && takeEqual);
        }

        int low = current.Row + 1, step = 1;
        while (low < limit && InRun(low + Math.Min(step, limit - low) - 1))
        {
            low += Math.Min(step, limit - low);
            step *= 2;
        }
        // Every row before low is in the run; the end lies before low + step.
        var high = Math.Min(limit, low + step - 1);
        while (low < high)
        {
            var middle = low + ((high - low) >> 1);
            if (InRun(middle))
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private sealed class Cursor(int input, IEnumerator<RecordBatch> batches, int keyCount) : IDisposable
    {
        public int Input { get; } = input;
        public RecordBatch Batch { get; private set; } = null!;
        public KeyColumn[] Keys { get; private set; } = [];
        public int Row { get; set; }

        /// <summary>Moves to the next non-empty batch; false when the input is used up.</summary>
        public bool MoveToNextBatch()
        {
            while (batches.MoveNext())
            {
                if (batches.Current.Length > 0)
                {
                    Batch = batches.Current;
                    Keys = KeyColumn.For(Batch, keyCount);
                    Row = 0;
                    return true;
                }
            }
            Batch = null!;
            Keys = [];
            return false;
        }

        public void Dispose() => batches.Dispose();
    }

    private sealed class CursorOrder : IComparer<Cursor>
    {
        public static readonly CursorOrder Instance = new();

        public int Compare(Cursor? x, Cursor? y)
        {
            var c = KeyColumn.CompareRows(x!.Keys, x.Row, y!.Keys, y.Row);
            return c != 0 ? c : x.Input.CompareTo(y.Input);
        }
    }
}
