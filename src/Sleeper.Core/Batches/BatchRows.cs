using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>Turns batch rows into <see cref="Row"/>s and boxed values, for the edges of the system only.</summary>
public static class BatchRows
{
    public static IEnumerable<Row> ToRows(RecordBatch batch, TableSchema schema)
    {
        if (batch.ColumnCount != schema.AllFields.Count)
        {
            throw new ArgumentException($"The batch has {batch.ColumnCount} columns but the schema has {schema.AllFields.Count} fields.", nameof(batch));
        }
        return Iterate(batch);

        static IEnumerable<Row> Iterate(RecordBatch batch)
        {
            for (var i = 0; i < batch.Length; i++)
            {
                yield return GetRow(batch, i);
            }
        }
    }

    public static Row GetRow(RecordBatch batch, int index)
    {
        var values = new object?[batch.ColumnCount];
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = GetValue(batch.Column(c), index);
        }
        return new Row(values);
    }

    /// <summary>
    /// The value at a row as Row holds it: int, long, string, byte[], List&lt;object?&gt;,
    /// Dictionary&lt;object, object?&gt; or null.
    /// </summary>
    public static object? GetValue(IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }
        switch (array)
        {
            case Int32Array ints:
                return ints.Values[index];
            case Int64Array longs:
                return longs.Values[index];
            case StringArray strings:
                return strings.GetString(index);
            case BinaryArray bytes:
                return bytes.GetBytes(index).ToArray();
            case MapArray map:
            {
                var offsets = map.ValueOffsets;
                var shift = map.KeyValues.Offset;
                var result = new Dictionary<object, object?>(offsets[index + 1] - offsets[index]);
                for (var i = offsets[index] + shift; i < offsets[index + 1] + shift; i++)
                {
                    result.Add(GetValue(map.Keys, i)!, GetValue(map.Values, i));
                }
                return result;
            }
            case ListArray list:
            {
                var offsets = list.ValueOffsets;
                var result = new List<object?>(offsets[index + 1] - offsets[index]);
                for (var i = offsets[index]; i < offsets[index + 1]; i++)
                {
                    result.Add(GetValue(list.Values, i));
                }
                return result;
            }
            default:
                throw new NotSupportedException($"Arrow type {array.Data.DataType.Name} is not the type of any Sleeper field.");
        }
    }
}
