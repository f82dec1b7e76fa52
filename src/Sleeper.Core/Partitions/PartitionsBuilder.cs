using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Partitions;

/// <summary>Builds partition trees: one root, a balanced tree from split points, and children of a split.</summary>
public static class PartitionsBuilder
{
    public const string RootId = "root";

    public static IReadOnlyList<Partition> SingleRoot(TableSchema schema) =>
        [Partition.Leaf(RootId, null, Region.Whole(schema))];

    /// <summary>
    /// A balanced binary tree whose leaves are split at the given points of the first row-key field.
    /// The points must be of the field's type, strictly increasing, and none may be the type's minimum.
    /// </summary>
    public static IReadOnlyList<Partition> FromSplitPoints(TableSchema schema, IReadOnlyList<object> splitPoints, Func<string>? newId = null)
    {
        newId ??= () => Guid.NewGuid().ToString();
        var field = schema.RowKeyFields[0];
        var type = field.PrimitiveType;
        for (var i = 0; i < splitPoints.Count; i++)
        {
            if (!KeyValues.IsOfType(type, splitPoints[i]))
            {
                throw new SleeperException($"Split point {i + 1} ({KeyValues.Format(splitPoints[i])}) is not of type {type.Name}, the type of row key '{field.Name}'.");
            }
            if (KeyValues.Compare(type, splitPoints[i], KeyValues.MinimumOf(type)) == 0)
            {
                throw new SleeperException($"Split point {i + 1} ({KeyValues.Format(splitPoints[i])}) is the smallest value of {type.Name}; it would make an empty partition.");
            }
            if (i > 0 && KeyValues.Compare(type, splitPoints[i - 1], splitPoints[i]) >= 0)
            {
                throw new SleeperException($"Split points must be strictly increasing: point {i + 1} ({KeyValues.Format(splitPoints[i])}) is not greater than point {i} ({KeyValues.Format(splitPoints[i - 1])}).");
            }
        }
        if (splitPoints.Count == 0)
        {
            return SingleRoot(schema);
        }
        // Leaves first, then pair them level by level up to the root, as Sleeper does.
        var boundaries = new List<object?> { null };
        boundaries.AddRange(splitPoints);
        boundaries.Add(null);
        var level = new List<Partition>();
        for (var i = 0; i < boundaries.Count - 1; i++)
        {
            var region = Region.ForFirstFieldRange(schema, KeyRange.Of(field, boundaries[i], boundaries[i + 1]));
            level.Add(Partition.Leaf(newId(), null, region));
        }
        var all = new List<Partition>();
        while (level.Count > 1)
        {
            var next = new List<Partition>();
            for (var i = 0; i < level.Count; i += 2)
            {
                if (i + 1 == level.Count)
                {
                    next.Add(level[i]);
                    continue;
                }
                var left = level[i];
                var right = level[i + 1];
                var id = level.Count == 2 ? RootId : newId();
                var region = Region.ForFirstFieldRange(schema, KeyRange.Of(field, left.Region[0].Min, right.Region[0].Max));
                var parent = new Partition(id, null, [left.Id, right.Id], region, false, 0);
                all.Add(left with { ParentId = id });
                all.Add(right with { ParentId = id });
                next.Add(parent);
            }
            level = next;
        }
        all.Add(level[0]);
        return all;
    }

    /// <summary>Splits a leaf's region on one dimension at a value: left child [min, v), right child [v, max).</summary>
    public static (Partition Parent, Partition Left, Partition Right) Split(Partition leaf, int dimension, object splitValue, string leftId, string rightId)
    {
        var range = leaf.Region[dimension];
        var type = range.Field.PrimitiveType;
        if (!KeyValues.IsOfType(type, splitValue))
        {
            throw new SleeperException($"Cannot split partition '{leaf.Id}' on row key '{range.Field.Name}' at {KeyValues.Format(splitValue)}: it is not of type {type.Name}.");
        }
        // At the min or at or beyond the max, one child would be empty or reach outside the parent.
        if (KeyValues.Compare(type, splitValue, range.Min) <= 0 || (range.Max is not null && KeyValues.Compare(type, splitValue, range.Max) >= 0))
        {
            throw new SleeperException($"Cannot split partition '{leaf.Id}' on row key '{range.Field.Name}' at {KeyValues.Format(splitValue)}: the value must lie strictly inside {range}.");
        }
        var leftRanges = leaf.Region.Ranges.ToArray();
        var rightRanges = leaf.Region.Ranges.ToArray();
        leftRanges[dimension] = KeyRange.Of(range.Field, range.Min, splitValue);
        rightRanges[dimension] = KeyRange.Of(range.Field, splitValue, range.Max);
        var parent = leaf with { ChildIds = [leftId, rightId], IsLeaf = false, Dimension = dimension };
        return (parent, Partition.Leaf(leftId, leaf.Id, new Region(leftRanges)), Partition.Leaf(rightId, leaf.Id, new Region(rightRanges)));
    }
}
