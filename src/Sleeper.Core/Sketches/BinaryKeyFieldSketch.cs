using Apache.Arrow;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Sketches;

/// <summary>
/// The sketch of a string or byte-array key field. A column is first sketched as row positions compared by
/// their bytes, then only the positions that sketch retains become strings or arrays, so a batch of a
/// million rows allocates a few thousand values rather than a million.
/// </summary>
internal sealed class BinaryKeyFieldSketch<T> : KeyFieldSketch<T>
    where T : class
{
    private readonly Func<BinaryArray, int, T> _materialise;
    private readonly BinaryColumnPositionComparer _positionComparer = new();
    private readonly KllSketch<int> _positions;

    public BinaryKeyFieldSketch(Field field, KllSketch<T> sketch, Action<BinaryWriter, T> writeItem, Func<BinaryArray, int, T> materialise)
        : base(field, sketch, writeItem)
    {
        _materialise = materialise;
        _positions = new KllSketch<int>(_positionComparer, sketch.K, sketch.Random);
    }

    public override void UpdateFromColumn(IArrowArray column, bool ascending = false)
    {
        // StringArray derives from BinaryArray, so check the exact kind the field needs.
        var expected = Type is StringType ? column is StringArray : column is BinaryArray and not StringArray;
        if (!expected)
        {
            throw new SleeperException($"Field '{Field.Name}' has {Type.Name} keys but its column is {column.Data.DataType.Name}.");
        }
        var array = (BinaryArray)column;
        _positionComparer.Column = array;
        _positionComparer.ColumnIsAscending = ascending;
        try
        {
            _positions.Reset();
            var hasNulls = array.NullCount > 0;
            for (var i = 0; i < array.Length; i++)
            {
                if (!hasNulls || array.IsValid(i))
                {
                    _positions.Update(i);
                }
            }
            if (_positions.N > 0)
            {
                Sketch.Merge(_positions.Select(i => _materialise(array, i), Sketch.Comparer));
            }
        }
        finally
        {
            _positions.Reset();
            _positionComparer.Column = null;
            _positionComparer.ColumnIsAscending = false;
        }
    }
}
