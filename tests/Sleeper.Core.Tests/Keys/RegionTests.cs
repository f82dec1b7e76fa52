using CsCheck;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Keys;

public class RegionTests
{
    private static readonly Field s_int = new("i", IntType.Instance);
    private static readonly Field s_str = new("s", StringType.Instance);
    private static readonly Field s_bytes = new("b", ByteArrayType.Instance);
    private static readonly TableSchema s_schema = new([s_int, s_str]);

    // A small int domain: every bounded edge lies in [-1, 6], so [-3, 10] holds a witness of any overlap.
    private static readonly int[] s_domain = Enumerable.Range(-3, 14).ToArray();

    private static readonly Gen<KeyRange> s_smallIntRange = Gen.Select(
        Gen.OneOf(Gen.Int[-1, 6], Gen.Const(int.MinValue)), Gen.Bool,
        Gen.OneOf(Gen.Int[-1, 6].Select(i => (int?)i), Gen.Const((int?)null)), Gen.Bool,
        (min, minInc, max, maxInc) => new KeyRange(s_int, min, minInc, max, maxInc));

    [Fact]
    public void Ranges_overlap_exactly_when_some_value_is_in_both()
    {
        Gen.Select(s_smallIntRange, s_smallIntRange).Sample((a, b) =>
        {
            var expected = s_domain.Any(v => a.Contains(v) && b.Contains(v));
            Assert.Equal(expected, a.Overlaps(b));
            Assert.Equal(expected, b.Overlaps(a));
        }, iter: 20_000, print: p => $"{p.Item1} {p.Item2}");
    }

    [Fact]
    public void A_range_is_empty_exactly_when_it_contains_no_value()
    {
        s_smallIntRange.Sample(r =>
        {
            Assert.Equal(!s_domain.Any(v => r.Contains(v)), r.IsEmpty());
        }, iter: 5_000, print: r => r.ToString());
    }

    [Fact]
    public void Contains_honours_inclusive_and_exclusive_edges()
    {
        var closed = new KeyRange(s_int, 1, true, 3, true);
        var open = new KeyRange(s_int, 1, false, 3, false);

        Assert.Equal([false, true, true, true, false], new[] { 0, 1, 2, 3, 4 }.Select(v => closed.Contains(v)));
        Assert.Equal([false, false, true, false, false], new[] { 0, 1, 2, 3, 4 }.Select(v => open.Contains(v)));
    }

    [Fact]
    public void Unbounded_range_contains_the_extremes_of_its_type()
    {
        var ints = KeyRange.Unbounded(s_int);
        var strings = KeyRange.Unbounded(s_str);
        var bytes = KeyRange.Unbounded(s_bytes);

        Assert.True(ints.Contains(int.MinValue) && ints.Contains(int.MaxValue));
        Assert.True(strings.Contains("") && strings.Contains("\U0010FFFF\U0010FFFF"));
        Assert.True(bytes.Contains(Array.Empty<byte>()) && bytes.Contains(new byte[] { 0xFF, 0xFF }));
        Assert.False(ints.IsEmpty());
    }

    [Fact]
    public void Partition_ranges_are_min_inclusive_and_max_exclusive()
    {
        var r = KeyRange.Of(s_str, "b", "d");

        Assert.True(r.Contains("b"));
        Assert.True(r.Contains("czzz"));
        Assert.False(r.Contains("d"));
        Assert.False(r.Contains("a"));
        Assert.True(r.Overlaps(KeyRange.Exactly(s_str, "b")));
        Assert.False(r.Overlaps(KeyRange.Exactly(s_str, "d")));
        Assert.False(r.Overlaps(KeyRange.Of(s_str, "d", null)));
        Assert.True(r.Overlaps(KeyRange.Of(s_str, "c", null)));
        Assert.False(KeyRange.Of(s_str, null, "b").Overlaps(r));
    }

    [Fact]
    public void Touching_ranges_overlap_only_where_both_include_the_edge()
    {
        Assert.True(new KeyRange(s_int, 0, true, 5, true).Overlaps(new KeyRange(s_int, 5, true, 9, true)));
        Assert.False(new KeyRange(s_int, 0, true, 5, false).Overlaps(new KeyRange(s_int, 5, true, 9, true)));
        Assert.False(new KeyRange(s_int, 0, true, 5, true).Overlaps(new KeyRange(s_int, 5, false, 9, true)));
    }

    [Fact]
    public void Ranges_with_nothing_between_their_exclusive_edges_are_empty_for_every_type()
    {
        Assert.True(new KeyRange(s_int, 4, false, 5, false).IsEmpty());
        Assert.True(new KeyRange(s_int, int.MaxValue, false, null, false).IsEmpty());
        Assert.True(new KeyRange(s_str, "a", false, "a\0", false).IsEmpty());
        Assert.False(new KeyRange(s_str, "a", false, "a\0", true).IsEmpty());
        Assert.True(new KeyRange(s_bytes, new byte[] { 1 }, false, new byte[] { 1, 0 }, false).IsEmpty());
        Assert.False(new KeyRange(s_str, "a", false, "b", false).IsEmpty());
        Assert.False(new KeyRange(s_int, 4, false, 5, false).Overlaps(KeyRange.Unbounded(s_int)));
    }

    [Fact]
    public void Empty_range_overlaps_nothing()
    {
        var empty = KeyRange.Of(s_int, 5, 3);

        Assert.True(empty.IsEmpty());
        Assert.False(empty.Overlaps(KeyRange.Unbounded(s_int)));
        Assert.False(KeyRange.Unbounded(s_int).Overlaps(empty));
    }

    [Fact]
    public void Closed_statistics_interval_overlaps_a_range_touching_it()
    {
        var r = KeyRange.Of(s_int, 10, 20);

        Assert.True(r.OverlapsClosed(0, 10));
        Assert.True(r.OverlapsClosed(19, 30));
        Assert.False(r.OverlapsClosed(20, 30));
        Assert.False(r.OverlapsClosed(0, 9));
    }

    [Fact]
    public void Region_contains_a_key_only_if_every_dimension_does()
    {
        var region = new Region([KeyRange.Of(s_int, 0, 10), KeyRange.Of(s_str, "m", null)]);

        Assert.True(region.Contains(Key.Of(0, "m")));
        Assert.True(region.Contains(Key.Of(9, "\U0001F600")));
        Assert.False(region.Contains(Key.Of(10, "m")));
        Assert.False(region.Contains(Key.Of(5, "a")));
    }

    [Fact]
    public void Regions_overlap_only_if_every_dimension_does()
    {
        var a = new Region([KeyRange.Of(s_int, 0, 10), KeyRange.Of(s_str, "m", null)]);

        Assert.True(a.Overlaps(new Region([KeyRange.Of(s_int, 9, 20), KeyRange.Of(s_str, "a", "n")])));
        Assert.False(a.Overlaps(new Region([KeyRange.Of(s_int, 10, 20), KeyRange.Of(s_str, "a", "n")])));
        Assert.False(a.Overlaps(new Region([KeyRange.Of(s_int, 0, 20), KeyRange.Of(s_str, "a", "m")])));
        Assert.True(a.Overlaps(Region.Whole(s_schema)));
    }

    [Fact]
    public void Random_regions_overlap_exactly_when_some_key_is_in_both()
    {
        var field2 = new Field("j", IntType.Instance);
        var gen2 = Gen.Select(s_smallIntRange, s_smallIntRange, (x, y) => new Region([x, y with { Field = field2 }]));
        Gen.Select(gen2, gen2).Sample((a, b) =>
        {
            var expected = s_domain.Any(x => s_domain.Any(y => a.Contains(Key.Of(x, y)) && b.Contains(Key.Of(x, y))));
            Assert.Equal(expected, a.Overlaps(b));
            Assert.Equal(!s_domain.Any(x => s_domain.Any(y => a.Contains(Key.Of(x, y)))), a.IsEmpty());
        }, iter: 3_000, print: p => $"{p.Item1} / {p.Item2}");
    }

    [Fact]
    public void Region_for_an_exact_key_holds_only_that_key()
    {
        var region = Region.ForKey(s_schema, Key.Of(3, "x"));

        Assert.True(region.Contains(Key.Of(3, "x")));
        Assert.False(region.Contains(Key.Of(3, "x\0")));
        Assert.False(region.Contains(Key.Of(4, "x")));
        Assert.False(region.IsEmpty());
    }

    [Fact]
    public void Region_for_a_key_with_too_few_values_names_the_row_keys()
    {
        var e = Assert.Throws<SleeperException>(() => Region.ForKey(s_schema, Key.Of(3)));

        Assert.Contains("i, s", e.Message);
    }

    [Fact]
    public void Regions_are_equal_by_value_including_byte_arrays()
    {
        var a = new Region([KeyRange.Of(s_bytes, new byte[] { 1 }, new byte[] { 2 })]);
        var b = new Region([KeyRange.Of(s_bytes, new byte[] { 1 }, new byte[] { 2 })]);
        var c = new Region([KeyRange.Of(s_bytes, new byte[] { 1 }, null)]);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
