using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>Builds a variable-width column (Utf8 strings or binary): 32-bit offsets and a value buffer.</summary>
internal sealed class VarBinaryColumnBuilder : OffsetColumnBuilder
{
    private readonly GrowableBuffer _data;
    private readonly bool _isString;

    public VarBinaryColumnBuilder(IArrowType type, int capacity, bool isString) : base(type, capacity)
    {
        _isString = isString;
        _data = new GrowableBuffer(capacity * 8);
    }

    protected override int ChildLength => _data.Length;

    public override long EstimatedBytes => Offsets.Length + _data.Length + Validity.EstimatedBytes;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        _data.Append(bytes);
        EndValue();
    }

    public void AppendString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, _data.Extend(count));
        EndValue();
    }

    public override bool Accepts(object value) => _isString ? value is string : value is byte[];

    public override void AppendObject(object value)
    {
        if (value is string s)
        {
            AppendString(s);
        }
        else
        {
            Append((byte[])value);
        }
    }

    public override void AppendRange(IArrowArray source, int start, int count)
    {
        var array = (BinaryArray)source;
        var offsets = array.ValueOffsets;
        var first = offsets[start];
        var shift = _data.Length - first;
        _data.Append(array.Values[first..offsets[start + count]]);
        AppendShiftedOffsets(source, offsets, start, count, shift);
    }

    public override void AppendTake(IArrowArray source, ReadOnlySpan<int> indices)
    {
        var array = (BinaryArray)source;
        var offsets = array.ValueOffsets;
        var values = array.Values;
        long total = 0;
        foreach (var i in indices)
        {
            total += offsets[i + 1] - offsets[i];
        }
        if (total + _data.Length > System.Array.MaxLength)
        {
            throw new InvalidOperationException($"Taking {indices.Length} rows would put {total} bytes in one column; take fewer rows at a time.");
        }
        var position = _data.Length;
        var data = _data.Extend((int)total);
        var target = MemoryMarshal.Cast<byte, int>(Offsets.Extend(indices.Length * sizeof(int)));
        var written = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            var start = offsets[i];
            var length = offsets[i + 1] - start;
            values.Slice(start, length).CopyTo(data[written..]);
            written += length;
            target[k] = position + written;
        }
        Validity.AppendFrom(source, indices);
        Length += indices.Length;
    }

    public override IArrowArray Build()
    {
        var validity = Validity.Build(out var nullCount);
        var data = new ArrayData(Type, Length, nullCount, 0, [validity, BuildOffsets(), _data.Build()], NoChildren);
        Length = 0;
        return ArrowArrayFactory.BuildArray(data);
    }

}
