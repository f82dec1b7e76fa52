using Apache.Arrow;

namespace Sleeper.Core.Sketches;

/// <summary>Orders row positions of a string or binary column by their bytes (for strings, UTF-8 code point order).</summary>
internal sealed class BinaryColumnPositionComparer : IComparer<int>
{
    /// <summary>The column compared; its null positions must not be compared.</summary>
    public BinaryArray? Column { get; set; }

    /// <summary>The column's values ascend with their positions, so comparing positions compares values.</summary>
    public bool ColumnIsAscending { get; set; }

    public int Compare(int x, int y)
    {
        if (ColumnIsAscending)
        {
            return x.CompareTo(y);
        }
        // Reading the buffers directly skips the per-call null checks of GetBytes.
        var column = Column!;
        var offsets = column.ValueOffsets;
        var values = column.Values;
        return values[offsets[x]..offsets[x + 1]].SequenceCompareTo(values[offsets[y]..offsets[y + 1]]);
    }
}
