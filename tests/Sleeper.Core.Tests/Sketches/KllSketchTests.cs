using Sleeper.Core.Keys;
using Sleeper.Core.Sketches;
using Xunit;

namespace Sleeper.Core.Tests.Sketches;

public class KllSketchTests
{
    private const int N = 200_000;
    private static readonly IComparer<byte[]> s_bytes = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    public static TheoryData<int> Ks => new() { KllSketch<int>.DefaultK, 64 };

    private static double Tolerance(int k) => k >= 1024 ? 0.006 : 0.05;

    private static KllSketch<T> Sketch<T>(IEnumerable<T> data, IComparer<T> comparer, int k, int seed = 1)
    {
        var sketch = new KllSketch<T>(comparer, k, new Random(seed));
        foreach (var item in data)
        {
            sketch.Update(item);
        }
        return sketch;
    }

    [Theory]
    [MemberData(nameof(Ks))]
    public void Ranks_of_uniform_ints_are_within_the_error_bound(int k)
    {
        var data = TestData.UniformInts(N, 7);
        QuantileAssert.Accurate(Sketch(data, Comparer<int>.Default, k), data, Tolerance(k));
    }

    [Theory]
    [MemberData(nameof(Ks))]
    public void Ranks_of_skewed_ints_are_within_the_error_bound(int k)
    {
        var data = TestData.SkewedInts(N, 8);
        QuantileAssert.Accurate(Sketch(data, Comparer<int>.Default, k), data, Tolerance(k));
    }

    [Theory]
    [MemberData(nameof(Ks))]
    public void Ranks_of_longs_including_the_extremes_are_within_the_error_bound(int k)
    {
        var uniform = TestData.UniformLongs(N, 9);
        QuantileAssert.Accurate(Sketch(uniform, Comparer<long>.Default, k), uniform, Tolerance(k));
        var skewed = TestData.SkewedLongs(N, 10);
        QuantileAssert.Accurate(Sketch(skewed, Comparer<long>.Default, k), skewed, Tolerance(k));
    }

    [Theory]
    [MemberData(nameof(Ks))]
    public void Ranks_of_non_ascii_strings_follow_utf8_order_within_the_error_bound(int k)
    {
        var uniform = TestData.Strings(N, 11, skewed: false);
        QuantileAssert.Accurate(Sketch(uniform, Utf8Ordinal.Comparer, k), uniform, Tolerance(k));
        var skewed = TestData.Strings(N, 12, skewed: true);
        QuantileAssert.Accurate(Sketch(skewed, Utf8Ordinal.Comparer, k), skewed, Tolerance(k));
    }

    [Theory]
    [MemberData(nameof(Ks))]
    public void Ranks_of_byte_arrays_are_unsigned_lexicographic_within_the_error_bound(int k)
    {
        var uniform = TestData.ByteArrays(N, 13, skewed: false);
        QuantileAssert.Accurate(Sketch(uniform, s_bytes, k), uniform, Tolerance(k));
        var skewed = TestData.ByteArrays(N, 14, skewed: true);
        QuantileAssert.Accurate(Sketch(skewed, s_bytes, k), skewed, Tolerance(k));
    }

    [Fact]
    public void Sorted_and_reverse_sorted_streams_are_within_the_error_bound()
    {
        var sorted = TestData.UniformLongs(N, 15).Order().ToArray();
        QuantileAssert.Accurate(Sketch(sorted, Comparer<long>.Default, 64), sorted, Tolerance(64));
        var reversed = sorted.Reverse().ToArray();
        QuantileAssert.Accurate(Sketch(reversed, Comparer<long>.Default, 64), reversed, Tolerance(64));
    }

    [Fact]
    public void All_equal_items_give_that_item_at_every_rank()
    {
        var sketch = Sketch(Enumerable.Repeat("same", N), Utf8Ordinal.Comparer, 128);
        Assert.Equal(N, sketch.N);
        Assert.All(sketch.GetSplitPoints(10), q => Assert.Equal("same", q));
        Assert.Equal(1.0, sketch.GetRank("same"));
        Assert.Equal(0.0, sketch.GetRank("samd"));
    }

    [Fact]
    public void The_sketch_stays_small()
    {
        var sketch = Sketch(TestData.UniformLongs(1_000_000, 3), Comparer<long>.Default, KllSketch<long>.DefaultK);
        Assert.InRange(sketch.RetainedItems, 1, 4 * KllSketch<long>.DefaultK);
    }

    [Fact]
    public void A_small_stream_is_kept_exactly()
    {
        var data = new[] { 5, 1, 4, 2, 3 };
        var sketch = Sketch(data, Comparer<int>.Default, 1024);
        Assert.Equal([1, 2, 3, 4, 5], sketch.GetQuantiles([0.2, 0.4, 0.6, 0.8, 1.0]));
        Assert.Equal(0.6, sketch.GetRank(3), 10);
        Assert.Equal([3], sketch.GetSplitPoints(2));
    }

    [Fact]
    public void An_empty_sketch_has_no_quantiles()
    {
        var sketch = new KllSketch<int>(Comparer<int>.Default);
        Assert.True(sketch.IsEmpty);
        Assert.Throws<InvalidOperationException>(() => sketch.GetQuantile(0.5));
        Assert.Throws<InvalidOperationException>(() => sketch.MinItem);
    }

    [Theory]
    [MemberData(nameof(Ks))]
    public void Merged_sketches_answer_like_a_sketch_of_the_union(int k)
    {
        var data = TestData.Strings(N, 21, skewed: false);
        var merged = new KllSketch<string>(Utf8Ordinal.Comparer, k, new Random(5));
        // Parts of different sizes and ranges, so that sketches of different heights meet.
        var parts = data.OrderBy(s => s, Utf8Ordinal.Comparer).Chunk(N / 7).Select((c, i) => c.Take(c.Length / (i % 3 + 1)).ToArray()).ToArray();
        foreach (var part in parts)
        {
            merged.Merge(Sketch(part, Utf8Ordinal.Comparer, k, part.Length));
        }
        QuantileAssert.Accurate(merged, parts.SelectMany(p => p).ToArray(), Tolerance(k));
    }

    [Fact]
    public void Merging_into_an_empty_sketch_or_itself_keeps_counts_and_extremes()
    {
        var data = TestData.UniformInts(50_000, 3);
        var merged = new KllSketch<int>(Comparer<int>.Default, 256, new Random(1));
        merged.Merge(Sketch(data, Comparer<int>.Default, 256));
        merged.Merge(merged);
        Assert.Equal(100_000, merged.N);
        Assert.Equal(data.Min(), merged.MinItem);
        Assert.Equal(data.Max(), merged.MaxItem);
        QuantileAssert.Accurate(merged, data.Concat(data).ToArray(), 0.03);
    }

    [Fact]
    public void A_serialised_sketch_reads_back_with_the_same_answers()
    {
        var data = TestData.Strings(N, 31, skewed: true);
        var sketch = Sketch(data, Utf8Ordinal.Comparer, 200);
        var bytes = sketch.Serialize(KllItemSerDe.WriteString);
        var read = KllSketch<string>.Deserialize(bytes, KllItemSerDe.ReadString, Utf8Ordinal.Comparer);
        Assert.Equal(sketch.N, read.N);
        Assert.Equal(sketch.K, read.K);
        Assert.Equal(sketch.RetainedItems, read.RetainedItems);
        Assert.Equal(sketch.MinItem, read.MinItem);
        Assert.Equal(sketch.MaxItem, read.MaxItem);
        for (var r = 0.0; r <= 1.0; r += 0.05)
        {
            Assert.Equal(sketch.GetQuantile(r), read.GetQuantile(r));
        }
        Assert.Equal(bytes, read.Serialize(KllItemSerDe.WriteString));
    }

    [Fact]
    public void Serialisation_round_trips_every_key_type_and_the_empty_sketch()
    {
        var ints = Sketch(TestData.UniformInts(10_000, 1), Comparer<int>.Default, 64);
        var intsRead = KllSketch<int>.Deserialize(ints.Serialize(KllItemSerDe.WriteInt), KllItemSerDe.ReadInt, Comparer<int>.Default);
        Assert.Equal(ints.GetSplitPoints(4), intsRead.GetSplitPoints(4));

        var longs = Sketch(TestData.UniformLongs(10_000, 1), Comparer<long>.Default, 64);
        var longsRead = KllSketch<long>.Deserialize(longs.Serialize(KllItemSerDe.WriteLong), KllItemSerDe.ReadLong, Comparer<long>.Default);
        Assert.Equal(long.MinValue, longsRead.MinItem);
        Assert.Equal(long.MaxValue, longsRead.MaxItem);

        var bytes = Sketch(TestData.ByteArrays(10_000, 1, false), s_bytes, 64);
        var bytesRead = KllSketch<byte[]>.Deserialize(bytes.Serialize(KllItemSerDe.WriteBytes), KllItemSerDe.ReadBytes, s_bytes);
        Assert.Equal(bytes.GetSplitPoints(4), bytesRead.GetSplitPoints(4));

        var empty = new KllSketch<string>(Utf8Ordinal.Comparer);
        var emptyRead = KllSketch<string>.Deserialize(empty.Serialize(KllItemSerDe.WriteString), KllItemSerDe.ReadString, Utf8Ordinal.Comparer);
        Assert.True(emptyRead.IsEmpty);
    }

    [Fact]
    public void Truncated_or_corrupt_bytes_are_rejected()
    {
        var bytes = Sketch(TestData.UniformInts(1_000, 1), Comparer<int>.Default, 64).Serialize(KllItemSerDe.WriteInt);
        Assert.Throws<SleeperException>(() => KllSketch<int>.Deserialize(bytes[..^3], KllItemSerDe.ReadInt, Comparer<int>.Default));
        var corrupt = (byte[])bytes.Clone();
        corrupt[5]++; // the count of items seen
        Assert.Throws<SleeperException>(() => KllSketch<int>.Deserialize(corrupt, KllItemSerDe.ReadInt, Comparer<int>.Default));
        Assert.Throws<SleeperException>(() => KllSketch<int>.Deserialize([.. bytes, 0], KllItemSerDe.ReadInt, Comparer<int>.Default));
    }

    [Fact]
    public void The_same_seed_gives_the_same_sketch()
    {
        var data = TestData.UniformInts(100_000, 2);
        var a = Sketch(data, Comparer<int>.Default, 128, seed: 99).Serialize(KllItemSerDe.WriteInt);
        var b = Sketch(data, Comparer<int>.Default, 128, seed: 99).Serialize(KllItemSerDe.WriteInt);
        Assert.Equal(a, b);
    }
}
