using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;

namespace Sleeper.BulkImport.Partitioning;

/// <summary>
/// Turns split points of the first row key into an <see cref="ExtendPartitionTreeTransaction"/>: each leaf is
/// split at the points strictly inside its range, into a balanced subtree (the median point at the top), so that
/// a leaf the input does not reach is left alone and no partition is empty by construction.
/// </summary>
public static class LeafSplitPlanner
{
    /// <returns>The transaction, or null when no point falls strictly inside any leaf.</returns>
    public static ExtendPartitionTreeTransaction? Plan(PartitionTree tree, TableSchema schema, IEnumerable<object> splitPoints, Func<string>? newId = null)
    {
        newId ??= () => Guid.NewGuid().ToString();
        var type = schema.RowKeyFields[0].PrimitiveType;
        var comparer = Comparer<object>.Create((a, b) => KeyValues.Compare(type, a, b));
        var points = splitPoints.Distinct(KeyValueEqualityComparer.Instance).Order(comparer).ToList();
        var updated = new List<Partition>();
        var added = new List<Partition>();
        foreach (var leaf in tree.Leaves)
        {
            var range = leaf.Region[0];
            var inside = points.Where(p => KeyValues.Compare(type, p, range.Min) > 0
                && (range.Max is null || KeyValues.Compare(type, p, range.Max) < 0)).ToList();
            if (inside.Count == 0)
            {
                continue;
            }
            var top = SplitInto(leaf, inside, 0, inside.Count, newId, added);
            updated.Add(top);
        }
        return updated.Count == 0 ? null : new ExtendPartitionTreeTransaction(updated, added);
    }

    /// <summary>Splits <paramref name="leaf"/> at points[from..to); returns it as the parent, adding its descendants.</summary>
    private static Partition SplitInto(Partition leaf, List<object> points, int from, int to, Func<string> newId, List<Partition> added)
    {
        if (from >= to)
        {
            return leaf;
        }
        var middle = from + ((to - from) / 2);
        var (parent, left, right) = PartitionsBuilder.Split(leaf, 0, points[middle], newId(), newId());
        added.Add(SplitInto(left, points, from, middle, newId, added));
        added.Add(SplitInto(right, points, middle + 1, to, newId, added));
        return parent;
    }
}
