using Sleeper.Core.Sketches;
using Xunit;

namespace Sleeper.Core.Tests.Sketches;

/// <summary>Checks a sketch's answers against the exact ranks of the data it saw.</summary>
internal static class QuantileAssert
{
    public static void Accurate<T>(KllSketch<T> sketch, IReadOnlyList<T> data, double tolerance)
    {
        var comparer = sketch.Comparer;
        var sorted = data.ToArray();
        Array.Sort(sorted, comparer);
        double n = sorted.Length;
        Assert.Equal(sorted.Length, sketch.N);
        Assert.Equal(0, comparer.Compare(sorted[0], sketch.MinItem));
        Assert.Equal(0, comparer.Compare(sorted[^1], sketch.MaxItem));
        for (var r = 0.0; r <= 1.0; r += 0.01)
        {
            var q = sketch.GetQuantile(r);
            var below = LowerBound(sorted, q, comparer) / n;
            var atOrBelow = UpperBound(sorted, q, comparer) / n;
            Assert.True(r >= below - tolerance && r <= atOrBelow + tolerance,
                $"Quantile at rank {r:F2} is an item whose true ranks are [{below:F4}, {atOrBelow:F4}].");
        }
        for (var i = 0; i < sorted.Length; i += Math.Max(1, sorted.Length / 97))
        {
            var exact = UpperBound(sorted, sorted[i], comparer) / n;
            var estimate = sketch.GetRank(sorted[i]);
            Assert.True(Math.Abs(exact - estimate) <= tolerance, $"Rank of item {i} is {exact:F4}, estimated {estimate:F4}.");
        }
    }

    private static int LowerBound<T>(T[] sorted, T item, IComparer<T> comparer)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (comparer.Compare(sorted[mid], item) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static int UpperBound<T>(T[] sorted, T item, IComparer<T> comparer)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (comparer.Compare(sorted[mid], item) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
