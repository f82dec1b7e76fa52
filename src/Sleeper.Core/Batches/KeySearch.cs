using System.Text;
using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>
/// Binary search over a sorted key column (the first row key of a sorted batch), so a reader can cut the
/// rows of a range without looking at each one.
/// </summary>
public static class KeySearch
{
    /// <summary>
    /// The first row whose value is not below <paramref name="value"/> (the length if none). The value is an
    /// int, long, string or byte[]; a byte[] probe of a string column is taken as UTF-8 already encoded.
    /// </summary>
    public static int LowerBound(IArrowArray sortedColumn, object value) => Search(sortedColumn, value, upper: false);

    /// <summary>The first row whose value is above <paramref name="value"/> (the length if none).</summary>
    public static int UpperBound(IArrowArray sortedColumn, object value) => Search(sortedColumn, value, upper: true);

    public static int LowerBound(Int32Array sortedColumn, int value) => Search(sortedColumn.Values, value, upper: false);

    public static int UpperBound(Int32Array sortedColumn, int value) => Search(sortedColumn.Values, value, upper: true);

    public static int LowerBound(Int64Array sortedColumn, long value) => Search(sortedColumn.Values, value, upper: false);

    public static int UpperBound(Int64Array sortedColumn, long value) => Search(sortedColumn.Values, value, upper: true);

    /// <summary>For string columns pass the UTF-8 bytes of the value: bytes order as code points do.</summary>
    public static int LowerBound(BinaryArray sortedColumn, ReadOnlySpan<byte> value) => Search(sortedColumn, value, upper: false);

    public static int UpperBound(BinaryArray sortedColumn, ReadOnlySpan<byte> value) => Search(sortedColumn, value, upper: true);

    private static int Search(IArrowArray column, object value, bool upper) => (column, value) switch
    {
        (Int32Array ints, int i) => Search(ints.Values, i, upper),
        (Int64Array longs, long l) => Search(longs.Values, l, upper),
        (StringArray strings, string s) => Search(strings, Encoding.UTF8.GetBytes(s), upper),
        (BinaryArray bytes, byte[] b) => Search(bytes, b, upper),
        _ => throw new ArgumentException(
            $"Cannot search a column of Arrow type {column.Data.DataType.Name} for a value of .NET type {value.GetType().Name}.", nameof(value)),
    };

    private static int Search<T>(ReadOnlySpan<T> values, T value, bool upper) where T : IComparable<T>
    {
        int low = 0, high = values.Length;
        while (low < high)
        {
            var middle = low + ((high - low) >> 1);
            var c = values[middle].CompareTo(value);
            if (c < 0 || (upper && c == 0))
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

    private static int Search(BinaryArray column, ReadOnlySpan<byte> value, bool upper)
    {
        var offsets = column.ValueOffsets;
        var bytes = column.Values;
        int low = 0, high = column.Length;
        while (low < high)
        {
            var middle = low + ((high - low) >> 1);
            var c = bytes[offsets[middle]..offsets[middle + 1]].SequenceCompareTo(value);
            if (c < 0 || (upper && c == 0))
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
}
