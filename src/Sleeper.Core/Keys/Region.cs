using Sleeper.Core.Schema;

namespace Sleeper.Core.Keys;

/// <summary>A box in row-key space: one <see cref="KeyRange"/> per row-key field, in declared order.</summary>
public sealed class Region : IEquatable<Region>
{
    public Region(IReadOnlyList<KeyRange> ranges)
    {
        Ranges = ranges;
    }

    public IReadOnlyList<KeyRange> Ranges { get; }

    public KeyRange this[int dimension] => Ranges[dimension];

    /// <summary>The whole key space of a schema.</summary>
    public static Region Whole(TableSchema schema) =>
        new(schema.RowKeyFields.Select(KeyRange.Unbounded).ToArray());

    /// <summary>The region holding exactly one key (all row-key fields given).</summary>
    public static Region ForKey(TableSchema schema, Key key)
    {
        if (key.Count != schema.RowKeyFields.Count)
        {
            throw new SleeperException($"An exact key needs {schema.RowKeyFields.Count} row-key value(s) ({string.Join(", ", schema.RowKeyFields.Select(f => f.Name))}); got {key.Count}.");
        }
        return new Region(schema.RowKeyFields.Select((f, i) => KeyRange.Exactly(f, key[i])).ToArray());
    }

    /// <summary>A range on the first row key; the other row keys unbounded.</summary>
    public static Region ForFirstFieldRange(TableSchema schema, KeyRange first) =>
        new([first, .. schema.RowKeyFields.Skip(1).Select(KeyRange.Unbounded)]);

    public bool Contains(Key key)
    {
        for (var i = 0; i < Ranges.Count; i++)
        {
            if (!Ranges[i].Contains(key[i]))
            {
                return false;
            }
        }
        return true;
    }

    public bool Overlaps(Region other)
    {
        for (var i = 0; i < Ranges.Count; i++)
        {
            if (!Ranges[i].Overlaps(other.Ranges[i]))
            {
                return false;
            }
        }
        return true;
    }

    public bool IsEmpty() => Ranges.Any(r => r.IsEmpty());

    public bool Equals(Region? other) => other is not null && Ranges.Count == other.Ranges.Count
        && Ranges.Zip(other.Ranges).All(p => p.First.Field == p.Second.Field
            && KeyValues.ValueEquals(p.First.Min, p.Second.Min) && p.First.MinInclusive == p.Second.MinInclusive
            && KeyValues.ValueEquals(p.First.Max, p.Second.Max) && p.First.MaxInclusive == p.Second.MaxInclusive);

    public override bool Equals(object? obj) => Equals(obj as Region);

    public override int GetHashCode() => Ranges.Count;

    public override string ToString() => string.Join(" × ", Ranges);
}
