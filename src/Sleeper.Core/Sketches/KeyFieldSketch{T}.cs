using Sleeper.Core.Schema;

namespace Sleeper.Core.Sketches;

/// <summary>A key field's sketch over items of the field's .NET type.</summary>
public abstract class KeyFieldSketch<T> : KeyFieldSketch
    where T : notnull
{
    private readonly Action<BinaryWriter, T> _writeItem;

    private protected KeyFieldSketch(Field field, KllSketch<T> sketch, Action<BinaryWriter, T> writeItem)
        : base(field)
    {
        Sketch = sketch;
        _writeItem = writeItem;
    }

    public KllSketch<T> Sketch { get; }

    public override long N => Sketch.N;

    public override object MinValue => Sketch.MinItem;

    public override object MaxValue => Sketch.MaxItem;

    public override object GetQuantile(double rank) => Sketch.GetQuantile(rank);

    public override double GetRank(object value) => Sketch.GetRank(Cast(value));

    public override object[] GetSplitPoints(int parts) => Array.ConvertAll(Sketch.GetSplitPoints(parts), v => (object)v);

    public override void Update(object value) => Sketch.Update(Cast(value));

    internal override void Merge(KeyFieldSketch other) => Sketch.Merge(
        other is KeyFieldSketch<T> typed
            ? typed.Sketch
            : throw new SleeperException($"Cannot merge the sketch of field '{other.Field.Name}' ({other.Type.Name}) into that of field '{Field.Name}' ({Type.Name})."));

    internal override byte[] Serialize() => Sketch.Serialize(_writeItem);

    private T Cast(object value) => value is T typed
        ? typed
        : throw new SleeperException($"Field '{Field.Name}' has {Type.Name} keys, not {value?.GetType().Name ?? "null"}.");
}
