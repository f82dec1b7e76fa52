using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Tests.Batches;

public class RegionFilterTests
{
    [Theory]
    [MemberData(nameof(TestData.SchemaNames), MemberType = typeof(TestData))]
    public void Selected_rows_are_those_every_region_contains(string schemaName)
    {
        var schema = TestData.Named(schemaName);
        var random = new Random(41);
        var order = TestData.KeyOrder(schema);
        for (var run = 0; run < 150; run++)
        {
            var rows = TestData.RandomRows(random, schema, random.Next(80)).Order(order).ToList();
            var batch = TestData.ToBatch(schema, rows);
            var regions = Enumerable.Range(0, 1 + random.Next(2)).Select(_ => RandomRegion(random, schema, rows)).ToArray();

            var selected = RegionFilter.Select(batch, schema, regions);

            var expected = Enumerable.Range(0, rows.Count)
                .Where(i => regions.All(r => r.Contains(TestData.RowKeyOf(rows[i], schema))))
                .ToArray();
            Assert.Equal(expected, selected);
            TestData.AssertRowsEqual(expected.Select(i => rows[i]).ToList(), TestData.ToRows(RegionFilter.Filter(batch, schema, regions), schema));
        }
    }

    [Fact]
    public void A_range_on_the_first_key_alone_is_cut_as_a_slice()
    {
        var schema = TestData.Standard;
        var rows = new[] { "a", "b", "b", "c", "d" }.Select(k => new Row([k, 0L, ""])).ToList();
        var batch = TestData.ToBatch(schema, rows);
        var region = new Region([new KeyRange(schema.RowKeyFields[0], "b", true, "d", false)]);

        Assert.Equal((1, 4), RegionFilter.FirstKeyBounds(batch, region));
        Assert.Equal(3, RegionFilter.Filter(batch, schema, region).Length);
    }

    [Fact]
    public void A_string_range_compares_astral_characters_in_utf8_order()
    {
        var schema = TestData.Standard;
        var rows = new[] { "\uFFFD", "😀" }.Select(k => new Row([k, 0L, ""])).ToList();
        var batch = TestData.ToBatch(schema, rows);
        var region = new Region([KeyRange.Of(schema.RowKeyFields[0], "\uFFFE", null)]);
        Assert.Equal([1], RegionFilter.Select(batch, schema, region));
    }

    private static Region RandomRegion(Random random, TableSchema schema, List<Row> rows)
    {
        return new Region(schema.RowKeyFields.Select((field, d) => RandomRange(field, d)).ToArray());

        KeyRange RandomRange(Field field, int dimension)
        {
            var type = field.PrimitiveType;
            if (random.Next(4) == 0)
            {
                return KeyRange.Unbounded(field);
            }
            object Pick() => random.Next(2) == 0 && rows.Count > 0 ? rows[random.Next(rows.Count)][dimension]! : TestData.RandomValue(random, type, false)!;
            var min = random.Next(5) == 0 ? KeyValues.MinimumOf(type) : Pick();
            var max = random.Next(5) == 0 ? null : Pick();
            if (max is not null && KeyValues.Compare(type, min, max) > 0 && random.Next(4) != 0)
            {
                (min, max) = (max, min);
            }
            return new KeyRange(field, min, random.Next(2) == 0, max, random.Next(2) == 0);
        }
    }
}
