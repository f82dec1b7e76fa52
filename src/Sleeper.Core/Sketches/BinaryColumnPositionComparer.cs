using Apache.Arrow;

namespace Sleeper.Core.Sketches;

/// <summary>Orders row positions of a string or binary column by their bytes (for strings, UTF-8 code point order).</summary>
internal sealed class BinaryColumnPositionComparer : IComparer<int>
{
    public BinaryArray? Column { get; set; }

    public int Compare(int x, int y)
    {
        var column = Column!;
        return column.GetBytes(x).SequenceCompareTo(column.GetBytes(y));
    }
}
