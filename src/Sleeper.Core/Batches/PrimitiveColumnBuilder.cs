using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>Builds a fixed-width column (Int32, Int64).</summary>
internal sealed class PrimitiveColumnBuilder<T>(IArrowType type, int capacity) : ColumnBuilder(type)
    where T : unmanaged, IEquatable<T>
{
    private readonly GrowableBuffer _values = new(capacity * Unsafe.SizeOf<T>());

    public override long EstimatedBytes => _values.Length + Validity.EstimatedBytes;

    public void Append(T value)
    {
        _values.Append(value);
        Validity.AppendValid();
        Length++;
    }

    public override bool Accepts(object value) => value is T;

    public override void AppendObject(object value) => Append((T)value);

    public override void AppendNull()
    {
        _values.Append(default(T));
        Validity.AppendNull();
        Length++;
    }

    public override void AppendRange(IArrowArray source, int start, int count)
    {
        var values = ((PrimitiveArray<T>)source).Values.Slice(start, count);
        _values.Append(MemoryMarshal.AsBytes(values));
        Validity.AppendFrom(source, start, count);
        Length += count;
    }

    public override void AppendTake(IArrowArray source, ReadOnlySpan<int> indices)
    {
        var values = ((PrimitiveArray<T>)source).Values;
        var target = MemoryMarshal.Cast<byte, T>(_values.Extend(indices.Length * Unsafe.SizeOf<T>()));
        for (var i = 0; i < indices.Length; i++)
        {
            target[i] = values[indices[i]];
        }
        Validity.AppendFrom(source, indices);
        Length += indices.Length;
    }

    public override IArrowArray Build()
    {
        var validity = Validity.Build(out var nullCount);
        var data = new ArrayData(Type, Length, nullCount, 0, [validity, _values.Build()], NoChildren);
        Length = 0;
        return ArrowArrayFactory.BuildArray(data);
    }
}
