using System.Collections;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>Builds a list column: 32-bit offsets into a child column of the element type.</summary>
internal sealed class ListColumnBuilder : ColumnBuilder
{
    private readonly GrowableBuffer _offsets;
    private readonly ColumnBuilder _elements;
    private readonly bool _elementsNullable;

    public ListColumnBuilder(ListType type, int capacity) : base(type)
    {
        _offsets = new GrowableBuffer((capacity + 1) * sizeof(int));
        _offsets.Append(0);
        _elements = Create(type.ValueDataType, capacity);
        _elementsNullable = type.ValueField.IsNullable;
    }

    public override long EstimatedBytes => _offsets.Length + _elements.EstimatedBytes + Validity.EstimatedBytes;

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
        _offsets.Append(_elements.Length);
        Validity.AppendValid();
        Length++;
    }

    public override void AppendNull()
    {
        _offsets.Append(_elements.Length);
        Validity.AppendNull();
        Length++;
    }

    public override void AppendRange(IArrowArray source, int start, int count)
    {
        var array = (ListArray)source;
        var offsets = array.ValueOffsets;
        var first = offsets[start];
        var shift = _elements.Length - first;
        _elements.AppendRange(array.Values, first, offsets[start + count] - first);
        var target = MemoryMarshal.Cast<byte, int>(_offsets.Extend(count * sizeof(int)));
        for (var i = 0; i < count; i++)
        {
            target[i] = offsets[start + i + 1] + shift;
        }
        Validity.AppendFrom(source, start, count);
        Length += count;
    }

    public override void AppendTake(IArrowArray source, ReadOnlySpan<int> indices)
    {
        var array = (ListArray)source;
        var offsets = array.ValueOffsets;
        foreach (var i in indices)
        {
            _elements.AppendRange(array.Values, offsets[i], offsets[i + 1] - offsets[i]);
            _offsets.Append(_elements.Length);
        }
        Validity.AppendFrom(source, indices);
        Length += indices.Length;
    }

    public override IArrowArray Build()
    {
        var validity = Validity.Build(out var nullCount);
        var elements = _elements.Build();
        var data = new ArrayData(Type, Length, nullCount, 0, [validity, _offsets.Build()], [elements.Data]);
        _offsets.Append(0);
        Length = 0;
        return ArrowArrayFactory.BuildArray(data);
    }
}
