using System.Text;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Tests.Batches;

public class RecordBatchBuilderTests
{
    [Theory]
    [MemberData(nameof(TestData.SchemaNames), MemberType = typeof(TestData))]
    public void Rows_of_every_type_survive_a_round_trip_through_a_batch(string schemaName)
    {
        var schema = TestData.Named(schemaName);
        var random = new Random(schemaName.Length);
        for (var run = 0; run < 100; run++)
        {
            var rows = TestData.RandomRows(random, schema, random.Next(60));
            var batch = TestData.ToBatch(schema, rows);
            Assert.Equal(rows.Count, batch.Length);
            TestData.AssertRowsEqual(rows, TestData.ToRows(batch, schema));
        }
    }

    [Fact]
    public void Extreme_values_empty_strings_nulls_and_astral_characters_round_trip()
    {
        var schema = TestData.EveryType;
        Row[] rows =
        [
            new([int.MinValue, "", System.Array.Empty<byte>(), long.MinValue, "", int.MinValue, long.MinValue, System.Array.Empty<byte>(),
                new List<object?>(), new List<object?> { "" }, new Dictionary<object, object?>(), new Dictionary<object, object?>()]),
            new([int.MaxValue, "😀\U0010FFFF中é", new byte[] { 0xFF, 0 }, long.MaxValue, null, null, null, null, null,
                new List<object?>(), null, new Dictionary<object, object?> { [int.MaxValue] = new byte[] { 1 } }]),
            new([0, "\0", new byte[] { 0 }, 0L, "😀", 0, 0L, new byte[] { 0x80 }, new List<object?> { long.MinValue, long.MaxValue },
                new List<object?> { "😀", "é" }, new Dictionary<object, object?> { ["😀"] = null, [""] = int.MinValue },
                new Dictionary<object, object?> { [1] = null, [2] = System.Array.Empty<byte>() }]),
        ];
        var batch = TestData.ToBatch(schema, rows);
        TestData.AssertRowsEqual(rows, TestData.ToRows(batch, schema));
    }

    [Fact]
    public void Typed_appends_build_the_same_batch_as_rows()
    {
        var schema = TestData.LongFirst;
        var builder = new RecordBatchBuilder(schema);
        builder.AppendInt64(0, 7);
        builder.AppendUtf8(1, Encoding.UTF8.GetBytes("ключ😀"));
        builder.AppendInt32(2, -5);
        builder.AppendBinary(3, [1, 2, 3]);
        builder.EndRow();
        builder.AppendInt64(0, long.MinValue);
        builder.AppendString(1, "");
        builder.AppendInt32(2, int.MaxValue);
        builder.AppendNull(3);
        builder.EndRow();
        var batch = builder.Build();
        TestData.AssertRowsEqual(
            [new Row([7L, "ключ😀", -5, new byte[] { 1, 2, 3 }]), new Row([long.MinValue, "", int.MaxValue, null])],
            TestData.ToRows(batch, schema));
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_rejected_naming_the_field_and_nothing_is_appended()
    {
        var builder = new RecordBatchBuilder(TestData.Standard);
        var error = Assert.Throws<ArgumentException>(() => builder.Append(new Row(["k", 5, "v"])));
        Assert.Contains("timestamp", error.Message);
        Assert.Contains("Int32", error.Message);
        Assert.Equal(0, builder.Count);
        builder.Append(new Row(["k", 5L, "v"]));
        Assert.Equal(1, builder.Build().Length);
    }

    [Fact]
    public void Typed_appends_to_a_column_of_another_type_are_rejected()
    {
        var builder = new RecordBatchBuilder(TestData.Standard);
        Assert.Throws<ArgumentException>(() => builder.AppendInt32(1, 5));
        Assert.Throws<ArgumentException>(() => builder.AppendString(1, "x"));
        Assert.Throws<ArgumentException>(() => builder.AppendBinary(0, [1]));
        Assert.Throws<ArgumentException>(() => builder.AppendValue(0, new byte[] { 1 }));
    }

    [Fact]
    public void Lists_and_maps_with_elements_of_the_wrong_type_are_rejected()
    {
        var builder = new RecordBatchBuilder(TestData.EveryType);
        Assert.Throws<ArgumentException>(() => builder.AppendValue(8, new List<object?> { 1 }));
        Assert.Throws<ArgumentException>(() => builder.AppendValue(8, new List<object?> { null }));
        Assert.Throws<ArgumentException>(() => builder.AppendValue(10, new Dictionary<object, object?> { [1] = 1 }));
        Assert.Throws<ArgumentException>(() => builder.AppendValue(10, new Dictionary<object, object?> { ["a"] = 1L }));
        Assert.Throws<ArgumentException>(() => builder.AppendValue(8, "not a list"));
    }

    [Fact]
    public void Null_in_a_field_that_is_not_nullable_is_rejected()
    {
        var builder = new RecordBatchBuilder(TestData.Standard);
        Assert.Throws<ArgumentException>(() => builder.Append(new Row([null, 1L, "v"])));
        Assert.Throws<ArgumentException>(() => builder.AppendNull(2));
    }

    [Fact]
    public void Ending_a_row_that_misses_a_value_is_rejected()
    {
        var builder = new RecordBatchBuilder(TestData.Standard);
        builder.AppendString(0, "k");
        builder.AppendInt64(1, 1);
        var error = Assert.Throws<InvalidOperationException>(builder.EndRow);
        Assert.Contains("value", error.Message);
    }

    [Fact]
    public void Build_starts_an_empty_batch_so_the_builder_can_be_reused()
    {
        var schema = TestData.EveryType;
        var random = new Random(3);
        var builder = new RecordBatchBuilder(schema, 2);
        for (var round = 0; round < 5; round++)
        {
            var rows = TestData.RandomRows(random, schema, random.Next(20));
            foreach (var row in rows)
            {
                builder.Append(row);
            }
            Assert.Equal(rows.Count, builder.Count);
            var batch = builder.Build();
            Assert.Equal(0, builder.Count);
            TestData.AssertRowsEqual(rows, TestData.ToRows(batch, schema));
        }
    }

    [Fact]
    public void An_empty_batch_has_every_column_and_no_rows()
    {
        var batch = new RecordBatchBuilder(TestData.EveryType).Build();
        Assert.Equal(0, batch.Length);
        Assert.Equal(TestData.EveryType.AllFields.Count, batch.ColumnCount);
        Assert.All(batch.Arrays, a => Assert.Equal(0, a.Length));
    }

    [Fact]
    public void Estimated_bytes_grow_with_the_data()
    {
        var builder = new RecordBatchBuilder(TestData.Standard);
        var before = builder.EstimatedBytes;
        builder.Append(new Row(["key", 1L, new string('x', 1000)]));
        Assert.True(builder.EstimatedBytes >= before + 1000 + 8);
    }

    [Fact]
    public void Appending_rows_of_another_batch_copies_them()
    {
        var schema = TestData.EveryType;
        var rows = TestData.RandomRows(new Random(9), schema, 30);
        var source = TestData.ToBatch(schema, rows);
        var builder = new RecordBatchBuilder(schema);
        builder.AppendRows(source, 5, 10);
        builder.AppendRows(source.Slice(20, 10), 2, 3);
        builder.Append(rows[0]);
        TestData.AssertRowsEqual([.. rows.Skip(5).Take(10), .. rows.Skip(22).Take(3), rows[0]], TestData.ToRows(builder.Build(), schema));
    }

    [Fact]
    public void Columns_have_the_arrow_types_of_the_schema()
    {
        var batch = TestData.ToBatch(TestData.EveryType, TestData.RandomRows(new Random(1), TestData.EveryType, 5));
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            Assert.True(ArrowSchemas.Matches(TestData.EveryType.AllFields[c].Type, batch.Column(c).Data.DataType));
        }
        Assert.IsType<StringArray>(batch.Column(1));
        Assert.IsType<MapArray>(batch.Column(10));
    }
}
