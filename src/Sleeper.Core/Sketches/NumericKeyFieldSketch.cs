using Apache.Arrow;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Sketches;

/// <summary>The sketch of an int or long key field, fed straight from the column's values.</summary>
internal sealed class NumericKeyFieldSketch<T>(Field field, KllSketch<T> sketch, Action<BinaryWriter, T> writeItem)
    : KeyFieldSketch<T>(field, sketch, writeItem)
    where T : struct, IEquatable<T>
{
    public override void UpdateFromColumn(IArrowArray column, bool ascending = false)
    {
        if (column is not PrimitiveArray<T> array)
        {
            throw new SleeperException($"Field '{Field.Name}' has {Type.Name} keys but its column is {column.Data.DataType.Name}.");
        }
        var values = array.Values;
        var sketch = Sketch;
        if (array.NullCount == 0)
        {
            foreach (var value in values)
            {
                sketch.Update(value);
            }
            return;
        }
        for (var i = 0; i < values.Length; i++)
        {
            if (array.IsValid(i))
            {
                sketch.Update(values[i]);
            }
        }
    }
}
