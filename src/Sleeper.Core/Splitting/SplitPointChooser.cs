using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Sketches;

namespace Sleeper.Core.Splitting;

/// <summary>
/// Chooses where a leaf partition splits from the merged sketches of its files. First Sleeper's rule: the first
/// row-key field, in declared order, whose median lies strictly between its minimum and maximum is split at the
/// median. Sleeper stops there, and so leaves unsplit for ever a partition where half the rows share the
/// smallest (or largest) value although other values exist; here such a field is split next to that value
/// instead, so the only partition that cannot split is one whose rows all have the same key. Either way the
/// value must lie strictly inside the partition's range on that dimension, or neither child could be a proper
/// part of it.
/// </summary>
public static class SplitPointChooser
{
    public static SplitPointChoice Choose(Partition partition, RowKeySketches sketches)
    {
        if (sketches.RowCount == 0)
        {
            return new SplitPointChoice(null, null, SplitRule.None, [], "the sketches of its files hold no rows");
        }
        var quantiles = sketches.Fields.Select((s, d) => new DimensionQuantiles(d, s.Field, s.MinValue, s.GetQuantile(0.5), s.MaxValue)).ToList();
        foreach (var q in quantiles)
        {
            var type = q.Field.PrimitiveType;
            if (KeyValues.Compare(type, q.Min, q.Median) < 0 && KeyValues.Compare(type, q.Median, q.Max) < 0
                && LiesStrictlyInside(partition, q.Dimension, q.Median))
            {
                return new SplitPointChoice(q.Dimension, q.Median, SplitRule.Median, quantiles, null);
            }
        }
        foreach (var q in quantiles.Where(q => !q.HasOneValue))
        {
            var type = q.Field.PrimitiveType;
            var (value, rule) = KeyValues.Compare(type, q.Median, q.Min) == 0
                ? (NextAbove(sketches.Fields[q.Dimension], q.Min, q.Max), SplitRule.AboveHeavyMinimum)
                : (q.Max, SplitRule.AtHeavyMaximum);
            if (LiesStrictlyInside(partition, q.Dimension, value))
            {
                return new SplitPointChoice(q.Dimension, value, rule, quantiles, null);
            }
        }
        var reason = quantiles.All(q => q.HasOneValue)
            ? $"all {sketches.RowCount:N0} rows sketched have the same key ({string.Join(", ", quantiles.Select(q => $"{q.Field.Name}={KeyValues.Format(q.Min)}"))})"
            : $"no row-key field has a value strictly inside the partition's region to split at ({string.Join("; ", quantiles)})";
        return new SplitPointChoice(null, null, SplitRule.None, quantiles, reason);
    }

    /// <summary>The smallest value sketched above the minimum: the split that puts the most rows above it.</summary>
    private static object NextAbove(KeyFieldSketch sketch, object min, object max)
    {
        // The rank of the minimum counts the rows at or below it; the next item is the one whose cumulative count
        // passes that. Half a row's rank past it is safely beyond the minimum and never past the next item.
        var atOrBelow = Math.Round(sketch.GetRank(min) * sketch.N);
        var rank = Math.Min(1.0, (atOrBelow + 0.5) / sketch.N);
        var next = sketch.GetQuantile(rank);
        return KeyValues.Compare(sketch.Type, next, min) > 0 ? next : max;
    }

    private static bool LiesStrictlyInside(Partition partition, int dimension, object value)
    {
        var range = partition.Region[dimension];
        var type = range.Field.PrimitiveType;
        return KeyValues.Compare(type, value, range.Min) > 0 && (range.Max is null || KeyValues.Compare(type, value, range.Max) < 0);
    }
}
