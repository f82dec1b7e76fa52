using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>
/// The shared part of columns whose values are runs of a child buffer or column (strings, binary, lists,
/// maps): 32-bit offsets, one more than the rows, each the child's length where a value ends.
/// </summary>
internal abstract class OffsetColumnBuilder : ColumnBuilder
{
    protected OffsetColumnBuilder(IArrowType type, int capacity) : base(type)
    {
        Offsets = new GrowableBuffer((capacity + 1) * sizeof(int));
        Offsets.Append(0);
    }

    protected GrowableBuffer Offsets { get; }

    /// <summary>How far the child data reaches: where the next value starts.</summary>
    protected abstract int ChildLength { get; }

    public override void AppendNull()
    {
        Offsets.Append(ChildLength);
        Validity.AppendNull();
        Length++;
    }

    /// <summary>Closes a non-null value whose child data has just been appended.</summary>
    protected void EndValue()
    {
        Offsets.Append(ChildLength);
        Validity.AppendValid();
        Length++;
    }

    /// <summary>
    /// After the child data of rows [start, start + count) of <paramref name="source"/> was appended in one
    /// piece, appends their offsets moved by <paramref name="shift"/>, and their validity.
    /// </summary>
    protected void AppendShiftedOffsets(IArrowArray source, ReadOnlySpan<int> offsets, int start, int count, int shift)
    {
        var target = MemoryMarshal.Cast<byte, int>(Offsets.Extend(count * sizeof(int)));
        for (var i = 0; i < count; i++)
        {
            target[i] = offsets[start + i + 1] + shift;
        }
        Validity.AppendFrom(source, start, count);
        Length += count;
    }

    /// <summary>Hands over the offsets built so far and starts again at zero.</summary>
    protected ArrowBuffer BuildOffsets()
    {
        var built = Offsets.Build();
        Offsets.Append(0);
        return built;
    }
}
