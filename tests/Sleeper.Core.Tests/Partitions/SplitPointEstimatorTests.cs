using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Sleeper.Core.Tests.Sketches;
using Xunit;

namespace Sleeper.Core.Tests.Partitions;

public class SplitPointEstimatorTests
{
    private const int N = 200_000;

    // Rank error of a k = 1024 sketch, with room to spare (the sketch tests hold it to 0.006).
    private const double Tolerance = 0.01;

    private static TableSchema Schema(PrimitiveType type) => new([new Field("k", type)]);

    private static KeyFieldSketch Sketch<T>(PrimitiveType type, IEnumerable<T> data, int seed = 1)
        where T : notnull
    {
        var sketches = new RowKeySketches(Schema(type), random: new Random(seed));
        foreach (var value in data)
        {
            sketches.Fields[0].Update(value);
        }
        return sketches.Fields[0];
    }

    /// <summary>
    /// Checks every point against the data's exact ranks: point i (of a full set) should cut the sorted data at rank
    /// i/parts, i.e. the fraction of rows below it and the fraction at or below it should bracket that rank.
    /// </summary>
    private static void AssertAtEvenQuantiles<T>(SplitPointEstimate estimate, IReadOnlyList<T> data, PrimitiveType type, int parts)
        where T : notnull
    {
        var sorted = data.Select(d => (object)d).ToArray();
        Array.Sort(sorted, (a, b) => KeyValues.Compare(type, a, b));
        Assert.Equal(parts - 1, estimate.Points.Count);
        Assert.False(estimate.IsShort);
        Assert.Null(estimate.ShortfallReason);
        for (var i = 0; i < estimate.Points.Count; i++)
        {
            var point = estimate.Points[i];
            var target = (double)(i + 1) / parts;
            var below = sorted.Count(v => KeyValues.Compare(type, v, point) < 0) / (double)sorted.Length;
            var atOrBelow = sorted.Count(v => KeyValues.Compare(type, v, point) <= 0) / (double)sorted.Length;
            Assert.True(target >= below - Tolerance && target <= atOrBelow + Tolerance,
                $"Split point {i + 1} ({KeyValues.Format(point)}) should be at rank {target:F3}; its exact ranks are [{below:F4}, {atOrBelow:F4}].");
        }
        AssertValidSplitPoints(estimate, type, sorted[0]);
    }

    private static void AssertValidSplitPoints(SplitPointEstimate estimate, PrimitiveType type, object min)
    {
        for (var i = 0; i < estimate.Points.Count; i++)
        {
            Assert.True(KeyValues.Compare(type, estimate.Points[i], min) > 0, $"Split point {i + 1} is not above the smallest key.");
            Assert.True(i == 0 || KeyValues.Compare(type, estimate.Points[i - 1], estimate.Points[i]) < 0, $"Split point {i + 1} is not above the one before.");
        }
        // Whatever the data, the points make a valid tree, and survive the split-points file format.
        var schema = Schema(type);
        Assert.Equal(estimate.Points.Count + 1, PartitionsBuilder.FromSplitPoints(schema, estimate.Points).Count(p => p.IsLeaf));
        var reread = SplitPoints.Parse(SplitPoints.Format(estimate.Points, stringsBase64: true), schema, true, "estimate");
        Assert.Equal(estimate.Points, reread, KeyValueEqualityComparer.Instance);
    }

    [Fact]
    public void Uniform_ints_split_at_even_quantiles()
    {
        var data = TestData.UniformInts(N, 3);
        AssertAtEvenQuantiles(SplitPointEstimator.Estimate(Sketch(IntType.Instance, data), 8), data, IntType.Instance, 8);
    }

    [Fact]
    public void Skewed_ints_split_at_even_quantiles_of_the_rows_not_of_the_values()
    {
        // A tenth of the rows are 0 and most of the rest are small: even value ranges would be very uneven.
        var data = TestData.SkewedInts(N, 4);
        AssertAtEvenQuantiles(SplitPointEstimator.Estimate(Sketch(IntType.Instance, data), 8), data, IntType.Instance, 8);
    }

    [Fact]
    public void Uniform_longs_split_at_even_quantiles_even_with_the_smallest_long_present()
    {
        var data = TestData.UniformLongs(N, 5);
        Assert.Contains(long.MinValue, data);
        AssertAtEvenQuantiles(SplitPointEstimator.Estimate(Sketch(LongType.Instance, data), 16), data, LongType.Instance, 16);
    }

    [Fact]
    public void Strings_split_at_even_quantiles_in_utf8_order()
    {
        var data = TestData.Strings(N, 6, skewed: false);
        Assert.Contains("", data);
        AssertAtEvenQuantiles(SplitPointEstimator.Estimate(Sketch(StringType.Instance, data), 8), data, StringType.Instance, 8);
    }

    [Fact]
    public void Byte_arrays_split_at_even_quantiles_unsigned()
    {
        // Without the empty arrays: an eighth of these rows are empty, which puts the smallest key right at rank 1/8.
        var data = TestData.ByteArrays(N, 7, skewed: false).Where(b => b.Length > 0).ToArray();
        AssertAtEvenQuantiles(SplitPointEstimator.Estimate(Sketch(ByteArrayType.Instance, data), 8), data, ByteArrayType.Instance, 8);
    }

    [Fact]
    public void A_small_sample_gives_the_exact_quantiles()
    {
        // Fewer items than the sketch holds, so nothing is compacted and the answer is exact: the smallest key
        // with at least i/N of the rows at or below it.
        var data = Enumerable.Range(0, 1000).Select(i => (long)i * 7).ToArray();
        new Random(8).Shuffle(data);
        var estimate = SplitPointEstimator.Estimate(Sketch(LongType.Instance, data), 4);
        Assert.Equal([250L * 7 - 7, 500L * 7 - 7, 750L * 7 - 7], estimate.Points.Cast<long>());
    }

    [Fact]
    public void Few_distinct_values_give_fewer_points_and_say_why()
    {
        var data = Enumerable.Range(0, 30_000).Select(i => 5 + (i % 3)).ToArray();
        var estimate = SplitPointEstimator.Estimate(Sketch(IntType.Instance, data), 8);

        // Never the smallest value (5): its partition would get no sampled row.
        Assert.Equal([6, 7], estimate.Points.Cast<int>());
        Assert.True(estimate.IsShort);
        Assert.Equal(3, estimate.Partitions);
        Assert.Contains("'k'", estimate.ShortfallReason);
        Assert.Contains("3 partition(s) rather than 8", estimate.ShortfallReason);
    }

    [Fact]
    public void A_heavily_repeated_key_gives_one_point_not_duplicates()
    {
        var data = TestData.SkewedLongs(N, 9);
        var estimate = SplitPointEstimator.Estimate(Sketch(LongType.Instance, data), 16);

        Assert.True(estimate.IsShort);
        Assert.Contains(42L, estimate.Points.Cast<long>());
        AssertValidSplitPoints(estimate, LongType.Instance, data.Min());
    }

    [Fact]
    public void One_value_gives_no_points()
    {
        var estimate = SplitPointEstimator.Estimate(Sketch(StringType.Instance, Enumerable.Repeat("same", 100)), 4);

        Assert.Empty(estimate.Points);
        Assert.Equal(1, estimate.Partitions);
        Assert.NotNull(estimate.ShortfallReason);
    }

    [Fact]
    public void No_rows_is_an_error_and_fewer_than_two_partitions_is_refused()
    {
        var empty = Sketch(IntType.Instance, Array.Empty<int>());
        Assert.Contains("no rows", Assert.Throws<SleeperException>(() => SplitPointEstimator.Estimate(empty, 4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitPointEstimator.Estimate(Sketch(IntType.Instance, [1, 2, 3]), 1));
    }

    [Fact]
    public void The_same_data_and_seed_give_the_same_points()
    {
        var data = TestData.Strings(N, 10, skewed: true);
        var first = SplitPointEstimator.Estimate(Sketch(StringType.Instance, data, seed: 2), 32);
        var second = SplitPointEstimator.Estimate(Sketch(StringType.Instance, data, seed: 2), 32);
        Assert.Equal(first.Points, second.Points);
    }
}
