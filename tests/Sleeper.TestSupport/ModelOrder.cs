using Sleeper.Core;
using Sleeper.Core.Keys;

namespace Sleeper.TestSupport;

/// <summary>
/// The key order the model tests check the real code against, written independently of it: ints and longs
/// numerically, strings by code point (which is the order of their UTF-8 bytes), byte arrays unsigned-
/// lexicographically.
/// </summary>
public static class ModelOrder
{
    public static int Compare(object a, object b) => (a, b) switch
    {
        (int x, int y) => x.CompareTo(y),
        (long x, long y) => x.CompareTo(y),
        (string x, string y) => CompareCodePoints(x, y),
        (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
        _ => throw new ArgumentException($"Cannot compare {a} with {b}."),
    };

    /// <summary>Candidate split points made valid: the type's minimum dropped, sorted by this order, duplicates removed.</summary>
    public static List<object> SplitPoints(IEnumerable<object> candidates, Sleeper.Core.Schema.PrimitiveType type)
    {
        var points = candidates.Where(p => Compare(p, KeyValues.MinimumOf(type)) != 0).ToList();
        points.Sort(Compare);
        return points.Where((p, i) => i == 0 || Compare(points[i - 1], p) != 0).ToList();
    }

    /// <summary>Whether a value lies in a range, by this order.</summary>
    public static bool Contains(KeyRange range, object value)
    {
        var c = Compare(value, range.Min);
        if (c < 0 || (c == 0 && !range.MinInclusive))
        {
            return false;
        }
        if (range.Max is null)
        {
            return true;
        }
        c = Compare(value, range.Max);
        return c < 0 || (c == 0 && range.MaxInclusive);
    }

    /// <summary>Whether a row's row key (its first values) lies in a region, by this order.</summary>
    public static bool Contains(Region region, Row row) => region.Ranges.Select((r, d) => Contains(r, row.Values[d]!)).All(x => x);

    private static int CompareCodePoints(string x, string y)
    {
        var a = x.EnumerateRunes();
        var b = y.EnumerateRunes();
        while (true)
        {
            var hasA = a.MoveNext();
            var hasB = b.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA.CompareTo(hasB);
            }
            var c = a.Current.Value.CompareTo(b.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }
}
