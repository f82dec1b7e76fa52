using System.Text;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Sleeper.Core.Splitting;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Splitting;

public class SplitPointChooserTests
{
    private static readonly TableSchema IntSchema = new([new Field("key", IntType.Instance)]);

    /// <summary>Sketches of the rows as the splitter sees them: several files' sketches merged into one.</summary>
    private static RowKeySketches Sketches(TableSchema schema, IReadOnlyList<object[]> keys, int files = 3, int seed = 1)
    {
        var random = new Random(seed);
        var merged = new RowKeySketches(schema, random: random);
        for (var f = 0; f < files; f++)
        {
            var file = new RowKeySketches(schema, random: random);
            for (var i = f; i < keys.Count; i += files)
            {
                for (var d = 0; d < schema.RowKeyFields.Count; d++)
                {
                    file.Fields[d].Update(keys[i][d]);
                }
            }
            merged.Merge(file);
        }
        return merged;
    }

    private static Partition Root(TableSchema schema) => PartitionsBuilder.SingleRoot(schema)[0];

    /// <summary>The median the rule means: the smallest value with at least half the rows at or below it.</summary>
    private static object ExactMedian(PrimitiveType type, IEnumerable<object> values)
    {
        var sorted = values.ToList();
        sorted.Sort((a, b) => KeyValues.Compare(type, a, b));
        return sorted[(sorted.Count + 1) / 2 - 1];
    }

    private static double FractionBelow(PrimitiveType type, IReadOnlyList<object> values, object value) =>
        values.Count(v => KeyValues.Compare(type, v, value) < 0) / (double)values.Count;

    public static TheoryData<string> KeyTypes => new() { "int", "long", "string", "bytes" };

    private static (PrimitiveType Type, Func<int, object> Make) KeyType(string name) => name switch
    {
        "int" => (IntType.Instance, i => i - 500),
        "long" => (LongType.Instance, i => (long)i * 1_000_000_007L),
        // Zero-padded so that the strings' order is the numbers' order.
        "string" => (StringType.Instance, i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)),
        "bytes" => (ByteArrayType.Instance, i => new[] { (byte)(i >> 8), (byte)i }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void Uniform_keys_split_at_their_exact_median(string typeName)
    {
        var (type, make) = KeyType(typeName);
        var schema = new TableSchema([new Field("key", type)]);
        // Fewer rows than a sketch keeps, so the merged sketch is exact and must give exactly the median.
        var shuffle = new Random(5);
        var values = Enumerable.Range(0, 999).Select(make).OrderBy(_ => shuffle.Next()).ToList();
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, values.Select(v => new[] { v }).ToList()));
        Assert.True(choice.CanSplit);
        Assert.Equal(0, choice.Dimension);
        Assert.Equal(SplitRule.Median, choice.Rule);
        Assert.True(KeyValues.ValueEquals(ExactMedian(type, values), choice.Value), $"{KeyValues.Format(choice.Value)} is not the median {KeyValues.Format(ExactMedian(type, values))}");
        Assert.True(KeyValues.ValueEquals(make(499), choice.Value));
    }

    [Fact]
    public void Skewed_keys_split_at_their_exact_median()
    {
        // Many small keys and a long tail: the median is far below the middle of the range.
        var random = new Random(3);
        var values = Enumerable.Range(0, 1000).Select(_ => (object)(int)Math.Floor(Math.Pow(random.NextDouble(), 4) * 10_000)).ToList();
        var choice = SplitPointChooser.Choose(Root(IntSchema), Sketches(IntSchema, values.Select(v => new[] { v }).ToList()));
        Assert.Equal(SplitRule.Median, choice.Rule);
        Assert.Equal(ExactMedian(IntType.Instance, values), choice.Value);
        Assert.True((int)choice.Value! < 1000, $"the median {choice.Value} of keys skewed to the low end");
    }

    [Theory]
    [InlineData("uniform")]
    [InlineData("skewed")]
    public void Many_keys_split_within_a_percent_of_the_exact_median(string distribution)
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 200_000).Select(_ => (object)(distribution == "uniform"
            ? random.NextInt64(long.MinValue, long.MaxValue)
            : (long)Math.Floor(Math.Pow(random.NextDouble(), 6) * 1e12))).ToList();
        var schema = new TableSchema([new Field("key", LongType.Instance)]);
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, values.Select(v => new[] { v }).ToList(), files: 7));
        Assert.Equal(SplitRule.Median, choice.Rule);
        var below = FractionBelow(LongType.Instance, values, choice.Value!);
        Assert.InRange(below, 0.49, 0.51);
    }

    [Fact]
    public void Keys_that_are_all_equal_cannot_split()
    {
        var schema = new TableSchema([new Field("key", StringType.Instance), new Field("sub", LongType.Instance)]);
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, Enumerable.Repeat(new object[] { "same", 7L }, 500).ToList()));
        Assert.False(choice.CanSplit);
        Assert.Equal(SplitRule.None, choice.Rule);
        Assert.Contains("same key (key=same, sub=7)", choice.Reason);
        Assert.Equal(2, choice.Quantiles.Count);
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void A_constant_first_row_key_splits_on_the_second_at_its_median(string typeName)
    {
        var (type, make) = KeyType(typeName);
        var schema = new TableSchema([new Field("tenant", StringType.Instance), new Field("id", type)]);
        var values = Enumerable.Range(0, 400).Select(make).ToList();
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, values.Select(v => new[] { "acme", v }).ToList()));
        Assert.Equal(1, choice.Dimension);
        Assert.Equal(SplitRule.Median, choice.Rule);
        Assert.True(KeyValues.ValueEquals(ExactMedian(type, values), choice.Value));
    }

    [Fact]
    public void The_first_row_key_is_preferred_when_both_can_split()
    {
        var schema = new TableSchema([new Field("a", IntType.Instance), new Field("b", IntType.Instance)]);
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, Enumerable.Range(0, 101).Select(i => new object[] { i, 1000 - i }).ToList()));
        Assert.Equal(0, choice.Dimension);
        Assert.Equal(50, choice.Value);
    }

    [Fact]
    public void A_field_whose_median_is_its_minimum_gives_way_to_a_later_field_with_a_proper_median()
    {
        var schema = new TableSchema([new Field("a", IntType.Instance), new Field("b", IntType.Instance)]);
        // 'a' is 0 for 70% of rows: Sleeper's rule cannot split on it, but it can on 'b'.
        var keys = Enumerable.Range(0, 100).Select(i => new object[] { i < 70 ? 0 : i, i }).ToList();
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, keys));
        Assert.Equal(1, choice.Dimension);
        Assert.Equal(49, choice.Value);
        Assert.Equal(SplitRule.Median, choice.Rule);
    }

    [Fact]
    public void When_most_rows_share_the_minimum_the_split_is_just_above_it()
    {
        // Sleeper would call this unsplittable (median = min); its rows do not all share one key, so it splits
        // at the next value: the left child holds the 0s, the right child everything else.
        var values = Enumerable.Range(0, 300).Select(i => (object)(i < 200 ? 0 : i * 3)).ToList();
        var choice = SplitPointChooser.Choose(Root(IntSchema), Sketches(IntSchema, values.Select(v => new[] { v }).ToList()));
        Assert.Equal(SplitRule.AboveHeavyMinimum, choice.Rule);
        Assert.Equal(600, choice.Value);
    }

    [Fact]
    public void When_most_rows_share_the_maximum_the_split_is_at_it()
    {
        var values = Enumerable.Range(0, 300).Select(i => (object)(i < 100 ? i : 5000)).ToList();
        var choice = SplitPointChooser.Choose(Root(IntSchema), Sketches(IntSchema, values.Select(v => new[] { v }).ToList()));
        Assert.Equal(SplitRule.AtHeavyMaximum, choice.Rule);
        Assert.Equal(5000, choice.Value);
    }

    [Fact]
    public void Two_distinct_keys_split_between_them()
    {
        var values = new object[] { 5, 9 };
        var choice = SplitPointChooser.Choose(Root(IntSchema), Sketches(IntSchema, values.Select(v => new[] { v }).ToList(), files: 1));
        Assert.Equal(9, choice.Value);
    }

    [Fact]
    public void A_median_outside_the_partition_is_never_chosen()
    {
        // Sketches describing rows the partition cannot hold (say, of a file referenced from an ancestor) must not
        // produce a split value outside its region.
        var (_, _, right) = PartitionsBuilder.Split(Root(IntSchema), 0, 1000, "left", "right");
        var sketches = Sketches(IntSchema, Enumerable.Range(0, 999).Select(i => new object[] { i }).ToList());
        var choice = SplitPointChooser.Choose(right, sketches);
        Assert.False(choice.CanSplit);
        Assert.Contains("strictly inside", choice.Reason);
    }

    [Fact]
    public void The_split_value_lies_strictly_inside_a_bounded_partition()
    {
        var (_, left, _) = PartitionsBuilder.Split(Root(IntSchema), 0, 1000, "left", "right");
        var choice = SplitPointChooser.Choose(left, Sketches(IntSchema, Enumerable.Range(0, 999).Select(i => new object[] { i }).ToList()));
        Assert.Equal(499, choice.Value);
        var (_, l, r) = PartitionsBuilder.Split(left, choice.Dimension!.Value, choice.Value!, "a", "b");
        Assert.Equal(499, r.Region[0].Min);
        Assert.Equal(499, l.Region[0].Max);
    }

    [Fact]
    public void Empty_sketches_cannot_split()
    {
        var choice = SplitPointChooser.Choose(Root(IntSchema), new RowKeySketches(IntSchema, random: new Random(1)));
        Assert.False(choice.CanSplit);
        Assert.Contains("no rows", choice.Reason);
    }

    [Fact]
    public void String_keys_compare_by_their_utf8_bytes()
    {
        // In UTF-16 order "\uFFFD" sorts after "😀" (a surrogate pair); in UTF-8 byte order, the order keys use, before it.
        var schema = new TableSchema([new Field("key", StringType.Instance)]);
        var values = new object[] { "a", "\uFFFD", "😀" };
        var choice = SplitPointChooser.Choose(Root(schema), Sketches(schema, values.Select(v => new[] { v }).ToList(), files: 1));
        Assert.Equal("\uFFFD", choice.Value);
        Assert.True(Encoding.UTF8.GetBytes("\uFFFD").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes("😀")) < 0);
    }
}
