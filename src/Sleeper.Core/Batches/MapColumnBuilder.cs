using System.Collections;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>Builds a map column: 32-bit offsets into a child struct column of key and value columns.</summary>
internal sealed class MapColumnBuilder : OffsetColumnBuilder
{
    private readonly MapType _mapType;
    private readonly ColumnBuilder _keys;
    private readonly ColumnBuilder _values;
    private readonly bool _valuesNullable;

    public MapColumnBuilder(MapType type, int capacity) : base(type, capacity)
    {
        _mapType = type;
        _keys = Create(type.KeyField.DataType, capacity);
        _values = Create(type.ValueField.DataType, capacity);
        _valuesNullable = type.ValueField.IsNullable;
    }

    protected override int ChildLength => _keys.Length;

    public override long EstimatedBytes =>
        Offsets.Length + _keys.EstimatedBytes + _values.EstimatedBytes + Validity.EstimatedBytes;

    public override bool Accepts(object value)
    {
        if (value is not IDictionary map)
        {
            return false;
        }
        foreach (DictionaryEntry entry in map)
        {
            if (!_keys.Accepts(entry.Key) || (entry.Value is null ? !_valuesNullable : !_values.Accepts(entry.Value)))
            {
                return false;
            }
        }
        return true;
    }

    public override void AppendObject(object value)
    {
        foreach (DictionaryEntry entry in (IDictionary)value)
        {
            _keys.AppendObject(entry.Key);
            if (entry.Value is null)
            {
                _values.AppendNull();
            }
            else
            {
                _values.AppendObject(entry.Value);
            }
        }
        EndValue();
    }

    public override void AppendRange(IArrowArray source, int start, int count)
    {
        var array = (MapArray)source;
        var offsets = array.ValueOffsets;
        var first = offsets[start];
        var shift = _keys.Length - first;
        AppendEntries(array, first, offsets[start + count] - first);
        AppendShiftedOffsets(source, offsets, start, count, shift);
    }

    public override void AppendTake(IArrowArray source, ReadOnlySpan<int> indices)
    {
        var array = (MapArray)source;
        var offsets = array.ValueOffsets;
        foreach (var i in indices)
        {
            AppendEntries(array, offsets[i], offsets[i + 1] - offsets[i]);
            Offsets.Append(ChildLength);
        }
        Validity.AppendFrom(source, indices);
        Length += indices.Length;
    }

    public override IArrowArray Build()
    {
        var validity = Validity.Build(out var nullCount);
        var entryCount = _keys.Length;
        var entries = new StructArray(_mapType.KeyValueType, entryCount, [_keys.Build(), _values.Build()], ArrowBuffer.Empty, 0, 0);
        var data = new ArrayData(Type, Length, nullCount, 0, [validity, BuildOffsets()], [entries.Data]);
        Length = 0;
        return ArrowArrayFactory.BuildArray(data);
    }

    private void AppendEntries(MapArray array, int first, int count)
    {
        // A sliced entries struct keeps its children whole, so its own offset applies to them.
        var shift = array.KeyValues.Offset;
        _keys.AppendRange(array.Keys, first + shift, count);
        _values.AppendRange(array.Values, first + shift, count);
    }
}
