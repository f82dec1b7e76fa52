using Sleeper.Core.Keys;

namespace Sleeper.Core.Query;

/// <summary>
/// The part of one region inside another, per row-key field: how a query is restricted to a leaf partition's region
/// for a leaf sub-query, so that the sub-queries of a query read disjoint parts of the key space.
/// </summary>
public static class RegionIntersection
{
    /// <summary>The region of keys in both; it may be empty (<see cref="Region.IsEmpty"/>).</summary>
    public static Region Intersect(Region a, Region b)
    {
        if (a.Ranges.Count != b.Ranges.Count)
        {
            throw new ArgumentException($"Regions of {a.Ranges.Count} and {b.Ranges.Count} row-key fields cannot be intersected.");
        }
        return new Region(a.Ranges.Zip(b.Ranges, Intersect).ToArray());
    }

    private static KeyRange Intersect(KeyRange a, KeyRange b)
    {
        var type = a.Field.PrimitiveType;
        // The higher min; at a tie, inclusive only if both are.
        var c = KeyValues.Compare(type, a.Min, b.Min);
        var (min, minInclusive) = c > 0 ? (a.Min, a.MinInclusive) : c < 0 ? (b.Min, b.MinInclusive) : (a.Min, a.MinInclusive && b.MinInclusive);
        // The lower max, null being unbounded above.
        object? max;
        bool maxInclusive;
        if (a.Max is null)
        {
            (max, maxInclusive) = (b.Max, b.MaxInclusive);
        }
        else if (b.Max is null)
        {
            (max, maxInclusive) = (a.Max, a.MaxInclusive);
        }
        else
        {
            var m = KeyValues.Compare(type, a.Max, b.Max);
            (max, maxInclusive) = m < 0 ? (a.Max, a.MaxInclusive) : m > 0 ? (b.Max, b.MaxInclusive) : (a.Max, a.MaxInclusive && b.MaxInclusive);
        }
        return new KeyRange(a.Field, min, minInclusive, max, maxInclusive);
    }
}
