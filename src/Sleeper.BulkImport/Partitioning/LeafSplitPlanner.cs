using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Sleeper.Core.StateStore.Transactions;

namespace Sleeper.BulkImport.Partitioning;

/// <summary>
/// Turns split points of the first row key into an <see cref="ExtendPartitionTreeTransaction"/>: each leaf is
/// split at the points strictly inside its range, into a balanced subtree (the median point at the top), so that
/// a leaf the input does not reach is left alone and no partition is empty by construction.
/// </summary>
public static class LeafSplitPlanner
{
    // Far more quantiles than a sketch keeps items, so every item it keeps is among them.
    private const int MaxQuantiles = 1 << 16;

    /// <summary>
    /// Split points from a sketch of the first row key that <see cref="Plan"/> turns into at least
    /// <paramref name="minLeaves"/> leaves, or as many as the sketch has distinct keys for. Equal-rank quantiles
    /// repeat where many rows share a key, and a point on an existing boundary adds nothing, so asking for
    /// minLeaves quantiles fell short (15 leaves of 16, 59 of 64); finer quantiles are taken until there are
    /// points enough, and then as many as needed are picked evenly among them.
    /// </summary>
    public static IReadOnlyList<object> ChooseSplitPoints(PartitionTree tree, TableSchema schema, KeyFieldSketch sketch, int minLeaves)
    {
        var needed = minLeaves - tree.Leaves.Count;
        if (needed <= 0 || sketch.N == 0)
        {
            return [];
        }
        var type = schema.RowKeyFields[0].PrimitiveType;
        var comparer = Comparer<object>.Create((a, b) => KeyValues.Compare(type, a, b));
        // Every key lies in exactly one leaf, so a point adds a leaf unless it is that leaf's min.
        var boundaries = tree.Leaves.Select(l => l.Region[0].Min).ToHashSet(KeyValueEqualityComparer.Instance);
        List<object> candidates;
        for (var parts = Math.Max(2, minLeaves); ; parts *= 2)
        {
            candidates = sketch.GetSplitPoints(parts).Distinct(KeyValueEqualityComparer.Instance)
                .Where(p => !boundaries.Contains(p)).Order(comparer).ToList();
            if (candidates.Count >= needed || parts >= MaxQuantiles || parts >= 2 * sketch.N)
            {
                break;
            }
        }
        if (candidates.Count <= needed)
        {
            return candidates;
        }
        return Enumerable.Range(0, needed).Select(i => candidates[(int)((long)i * candidates.Count / needed)]).ToList();
    }

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
