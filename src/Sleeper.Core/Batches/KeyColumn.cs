using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>
/// Typed access to one key column of a batch, so rows compare on raw values: integers numerically,
/// strings and byte arrays as unsigned bytes (for UTF-8 that is code point order).
/// </summary>
internal sealed class KeyColumn
{
    private readonly Int32Array? _ints;
    private readonly Int64Array? _longs;
    private readonly BinaryArray? _bytes;

    public KeyColumn(IArrowArray array)
    {
        switch (array)
        {
            case Int32Array ints:
                _ints = ints;
                break;
            case Int64Array longs:
                _longs = longs;
                break;
            case BinaryArray bytes:
                _bytes = bytes;
                break;
            default:
                throw new NotSupportedException($"A key column cannot have Arrow type {array.Data.DataType.Name}.");
        }
    }

    public static KeyColumn[] For(RecordBatch batch, int keyColumnCount)
    {
        if (keyColumnCount > batch.ColumnCount)
        {
            throw new ArgumentException($"The batch has {batch.ColumnCount} columns, fewer than the {keyColumnCount} key columns.", nameof(batch));
        }
        var columns = new KeyColumn[keyColumnCount];
        for (var c = 0; c < keyColumnCount; c++)
        {
            columns[c] = new KeyColumn(batch.Column(c));
        }
        return columns;
    }

    public static int CompareRows(KeyColumn[] left, int leftRow, KeyColumn[] right, int rightRow, int fromColumn = 0)
    {
        for (var c = fromColumn; c < left.Length; c++)
        {
            var result = left[c].Compare(leftRow, right[c], rightRow);
            if (result != 0)
            {
                return result;
            }
        }
        return 0;
    }

    public int Compare(int row, KeyColumn other, int otherRow)
    {
        if (_bytes is not null)
        {
            return Bytes(_bytes, row).SequenceCompareTo(Bytes(other._bytes!, otherRow));
        }
        if (_longs is not null)
        {
            return _longs.Values[row].CompareTo(other._longs!.Values[otherRow]);
        }
        return _ints!.Values[row].CompareTo(other._ints!.Values[otherRow]);
    }

    internal static ReadOnlySpan<byte> Bytes(BinaryArray array, int row)
    {
        var offsets = array.ValueOffsets;
        var start = offsets[row];
        return array.Values.Slice(start, offsets[row + 1] - start);
    }
}
