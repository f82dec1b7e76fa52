using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests;

public class RowValidatorTests
{
    private static readonly TableSchema s_schema = new(
        [new Field("id", StringType.Instance)],
        [new Field("ts", LongType.Instance)],
        [
            new Field("count", IntType.Instance),
            new Field("note", StringType.Instance, true),
            new Field("blob", ByteArrayType.Instance, true),
            new Field("tags", new ListType(StringType.Instance), true),
            new Field("scores", new MapType(StringType.Instance, LongType.Instance), true),
        ]);

    private static object?[] Valid() =>
        ["a", 1L, 2, null, new byte[] { 1 }, new List<object?> { "x", "y" }, new Dictionary<object, object?> { ["k"] = 3L, ["n"] = null }];

    private static RowValidationException Invalid(int index, object? value)
    {
        var values = Valid();
        values[index] = value;
        return Assert.Throws<RowValidationException>(() => RowValidator.Validate(s_schema, values, "rows.jsonl line 12"));
    }

    [Fact]
    public void Valid_row_passes()
    {
        RowValidator.Validate(s_schema, Valid(), "here");
        RowValidator.Validate(s_schema, ["a", 1L, 2, null, null, null, null], "here");
        RowValidator.Validate(s_schema, ["", long.MinValue, 0, "", Array.Empty<byte>(), new List<object?>(), new Dictionary<object, object?>()], "here");
    }

    [Fact]
    public void Null_row_key_is_named()
    {
        var e = Invalid(0, null);

        Assert.StartsWith("rows.jsonl line 12:", e.Message);
        Assert.Contains("row key 'id'", e.Message);
    }

    [Fact]
    public void Null_sort_key_is_named()
    {
        Assert.Contains("sort key 'ts'", Invalid(1, null).Message);
    }

    [Fact]
    public void Null_in_a_field_that_is_not_nullable_is_named()
    {
        Assert.Contains("'count'", Invalid(2, null).Message);
    }

    [Theory]
    [InlineData(0, 5, "'id'", "StringType")]
    [InlineData(1, 5, "'ts'", "LongType")]
    [InlineData(2, 5L, "'count'", "IntType")]
    [InlineData(3, 5, "'note'", "StringType")]
    [InlineData(4, "AQ==", "'blob'", "ByteArrayType")]
    public void Value_of_the_wrong_type_is_named_with_both_types(int index, object value, string field, string type)
    {
        var e = Invalid(index, value);

        Assert.Contains(field, e.Message);
        Assert.Contains(type, e.Message);
    }

    [Fact]
    public void List_with_an_element_of_the_wrong_type_is_named()
    {
        var e = Invalid(5, new List<object?> { "x", 3 });

        Assert.Contains("'tags'", e.Message);
        Assert.Contains("ListType<StringType>", e.Message);
    }

    [Fact]
    public void List_with_a_null_element_is_rejected()
    {
        Assert.Contains("'tags'", Invalid(5, new List<object?> { "x", null }).Message);
    }

    [Fact]
    public void Byte_array_is_not_taken_for_a_list()
    {
        var schema = new TableSchema([new Field("k", IntType.Instance)], null, [new Field("l", new ListType(IntType.Instance))]);

        var e = Assert.Throws<RowValidationException>(() => RowValidator.Validate(schema, [1, new byte[] { 1 }], "here"));

        Assert.Contains("a byte array", e.Message);
    }

    [Fact]
    public void Map_with_a_key_or_value_of_the_wrong_type_is_named()
    {
        Assert.Contains("'scores'", Invalid(6, new Dictionary<object, object?> { [1] = 3L }).Message);
        Assert.Contains("'scores'", Invalid(6, new Dictionary<object, object?> { ["k"] = 3 }).Message);
        Assert.Contains("a list", Invalid(6, new List<object?>()).Message);
    }

    [Fact]
    public void Row_with_the_wrong_number_of_values_is_rejected()
    {
        var e = Assert.Throws<RowValidationException>(() => RowValidator.Validate(s_schema, ["a", 1L], "here"));

        Assert.Contains("2 values", e.Message);
        Assert.Contains("7 fields", e.Message);
    }
}
