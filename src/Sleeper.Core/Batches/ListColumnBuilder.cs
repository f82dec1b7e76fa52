using System.Collections;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>Builds a list column: 32-bit offsets into a child column of the element type.</summary>
internal sealed class ListColumnBuilder : OffsetColumnBuilder
{
    private readonly ColumnBuilder _elements;
    private readonly bool _elementsNullable;

    public ListColumnBuilder(ListType type, int capacity) : base(type, capacity)
    {
        _elements = Create(type.ValueDataType, capacity);
        _elementsNullable = type.ValueField.IsNullable;
    }

    protected override int ChildLength => _elements.Length;

    public override long EstimatedBytes => Offsets.Length + _elements.EstimatedBytes + Validity.EstimatedBytes;

    public override bool Accepts(object value)
    {
        if (value is not IList list || value is byte[])
        {
            return false;
        }
        foreach (var element in list)
        {
            if (element is null ? !_elementsNullable : !_elements.Accepts(element))
            {
                return false;
            }
        }
        return true;
    }

    public override void AppendObject(object value)
    {
        foreach (var element in (IList)value)
        {
            if (element is null)
            {
                _elements.AppendNull();
            }
            else
            {
                _elements.AppendObject(element);
            }
        }
        EndValue();
    }

    public override void AppendRange(IArrowArray source, int start, int count)
    {
        var array = (ListArray)source;
        var offsets = array.ValueOffsets;
        var first = offsets[start];
        var shift = _elements.Length - first;
        _elements.AppendRange(array.Values, first, offsets[start + count] - first);
        AppendShiftedOffsets(source, offsets, start, count, shift);
    }

    public override void AppendTake(IArrowArray source, ReadOnlySpan<int> indices)
    {
        var array = (ListArray)source;
        var offsets = array.ValueOffsets;
        foreach (var i in indices)
        {
            _elements.AppendRange(array.Values, offsets[i], offsets[i + 1] - offsets[i]);
            Offsets.Append(ChildLength);
        }
        Validity.AppendFrom(source, indices);
        Length += indices.Length;
    }

    public override IArrowArray Build()
    {
        var validity = Validity.Build(out var nullCount);
        var elements = _elements.Build();
        var data = new ArrayData(Type, Length, nullCount, 0, [validity, BuildOffsets()], [elements.Data]);
        Length = 0;
        return ArrowArrayFactory.BuildArray(data);
    }
}
