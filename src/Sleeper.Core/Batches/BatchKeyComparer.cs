using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>
/// Compares a row of one batch with a row of another (or the same) batch on the leading key columns:
/// row keys in order, then sort keys.
/// </summary>
public sealed class BatchKeyComparer
{
    private readonly KeyColumn[] _left;
    private readonly KeyColumn[] _right;

    public BatchKeyComparer(RecordBatch left, RecordBatch right, int keyColumnCount)
    {
        _left = KeyColumn.For(left, keyColumnCount);
        _right = ReferenceEquals(left, right) ? _left : KeyColumn.For(right, keyColumnCount);
    }

    public BatchKeyComparer(RecordBatch left, RecordBatch right, TableSchema schema)
        : this(left, right, schema.KeyFieldCount)
    {
    }

    /// <summary>Compares rows of one batch with each other.</summary>
    public static BatchKeyComparer Within(RecordBatch batch, TableSchema schema) => new(batch, batch, schema.KeyFieldCount);

    public int Compare(int leftRow, int rightRow) => KeyColumn.CompareRows(_left, leftRow, _right, rightRow);

    /// <summary>Compares from one key column on, when the earlier ones are known to be equal.</summary>
    internal int Compare(int leftRow, int rightRow, int fromColumn) =>
        KeyColumn.CompareRows(_left, leftRow, _right, rightRow, fromColumn);
}
