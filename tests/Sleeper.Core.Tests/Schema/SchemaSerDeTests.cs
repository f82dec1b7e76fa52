using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Schema;

public class SchemaSerDeTests
{
    private static readonly PrimitiveType[] s_primitives = [IntType.Instance, LongType.Instance, StringType.Instance, ByteArrayType.Instance];

    [Fact]
    public void Schema_in_the_design_documents_form_loads()
    {
        var schema = SchemaSerDe.FromJson("""
            {"rowKeyFields":[{"name":"key","type":"StringType"}],
             "sortKeyFields":[{"name":"timestamp","type":"LongType"}],
             "valueFields":[{"name":"value","type":"StringType"},{"name":"tags","type":{"MapType":{"keyType":"StringType","valueType":"LongType"}},"nullable":true}]}
            """);

        Assert.Equal([new Field("key", StringType.Instance)], schema.RowKeyFields);
        Assert.Equal([new Field("timestamp", LongType.Instance)], schema.SortKeyFields);
        Assert.Equal(
            [new Field("value", StringType.Instance), new Field("tags", new MapType(StringType.Instance, LongType.Instance), true)],
            schema.ValueFields);
    }

    [Theory]
    [InlineData("IntType")]
    [InlineData("LongType")]
    [InlineData("StringType")]
    [InlineData("ByteArrayType")]
    public void Primitive_types_load_as_plain_names_and_as_single_entry_objects(string name)
    {
        var plain = SchemaSerDe.FromJson($$"""{"rowKeyFields":[{"name":"k","type":"{{name}}"}]}""");
        var nested = SchemaSerDe.FromJson("{\"rowKeyFields\":[{\"name\":\"k\",\"type\":{\"" + name + "\":{}}}]}");

        Assert.Equal(name, plain.RowKeyFields[0].Type.Name);
        Assert.Equal(plain, nested);
    }

    [Fact]
    public void List_and_map_element_types_load_in_either_form()
    {
        var schema = SchemaSerDe.FromJson("""
            {"rowKeyFields":[{"name":"k","type":"IntType"}],
             "valueFields":[
               {"name":"l1","type":{"ListType":{"elementType":"LongType"}}},
               {"name":"l2","type":{"ListType":{"elementType":{"ByteArrayType":{}}}}},
               {"name":"m1","type":{"MapType":{"keyType":{"StringType":{}},"valueType":"IntType"}},"nullable":false},
               {"name":"m2","type":{"MapType":{"keyType":"IntType","valueType":{"StringType":{}}}},"nullable":true}]}
            """);

        Assert.Equal(
            [
                new Field("l1", new ListType(LongType.Instance)),
                new Field("l2", new ListType(ByteArrayType.Instance)),
                new Field("m1", new MapType(StringType.Instance, IntType.Instance)),
                new Field("m2", new MapType(IntType.Instance, StringType.Instance), true),
            ],
            schema.ValueFields);
    }

    [Fact]
    public void Every_type_round_trips_through_json()
    {
        var values = new List<Field>();
        foreach (var p in s_primitives)
        {
            values.Add(new Field("v" + p.Name, p));
            values.Add(new Field("n" + p.Name, p, true));
            values.Add(new Field("l" + p.Name, new ListType(p), values.Count % 2 == 0));
            foreach (var q in s_primitives)
            {
                values.Add(new Field($"m{p.Name}{q.Name}", new MapType(p, q), values.Count % 3 == 0));
            }
        }
        var schema = new TableSchema(
            s_primitives.Select(p => new Field("r" + p.Name, p)),
            s_primitives.Select(p => new Field("s" + p.Name, p)),
            values);

        foreach (var indented in new[] { true, false })
        {
            var back = SchemaSerDe.FromJson(SchemaSerDe.ToJson(schema, indented));
            Assert.Equal(schema, back);
            Assert.Equal(schema.AllFields, back.AllFields);
        }
    }

    [Fact]
    public void Missing_sort_and_value_sections_mean_none()
    {
        var schema = SchemaSerDe.FromJson("""{"rowKeyFields":[{"name":"k","type":"IntType"}]}""");

        Assert.Empty(schema.SortKeyFields);
        Assert.Empty(schema.ValueFields);
    }

    [Theory]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"FloatType"}]}""", "'k'", "FloatType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"DoubleType":{}}}]}""", "'v'", "DoubleType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":{"ListType":{"elementType":"IntType"}}}]}""", "'k'", "ListType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"sortKeyFields":[{"name":"s","type":{"MapType":{"keyType":"IntType","valueType":"IntType"}}}]}""", "'s'", "MapType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"StringType","nullable":true}]}""", "'k'", "nullable")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"sortKeyFields":[{"name":"s","type":"IntType","nullable":true}]}""", "'s'", "nullable")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":"IntType"},{"name":"k","type":"LongType"}]}""", "'k'", "more than once")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType","colour":"red"}]}""", "'k'", "colour")]
    [InlineData("""{"rowKeyFields":[{"name":"k"}]}""", "'k'", "no type")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":"IntType","nullable":"yes"}]}""", "'v'", "nullable")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":"ListType"}]}""", "'v'", "ListType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"ListType":{}}}]}""", "'v'", "elementType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"MapType":{"keyType":"IntType"}}}]}""", "'v'", "valueType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"ListType":{"elementType":{"ListType":{"elementType":"IntType"}}}}}]}""", "'v'", "primitive")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"ListType":"IntType"}}]}""", "'v'", "ListType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"ListType":{"elementType":"IntType","keyType":"IntType"}}}]}""", "'v'", "keyType")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":{"IntType":{},"LongType":{}}}]}""", "'v'", "")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":"v","type":42}]}""", "'v'", "42")]
    public void Invalid_fields_are_rejected_naming_the_field(string json, string fieldName, string detail)
    {
        var e = Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(json));

        Assert.Contains(fieldName, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Theory]
    [InlineData("""{"rowKeyFields":[{"type":"IntType"}]}""", "rowKeyFields")]
    [InlineData("""{"rowKeyFields":[{"name":"","type":"IntType"}]}""", "rowKeyFields")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueFields":[{"name":7,"type":"IntType"}]}""", "valueFields")]
    public void Field_without_a_name_is_rejected_naming_its_section(string json, string section)
    {
        var e = Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(json));

        Assert.Contains(section, e.Message);
        Assert.Contains("no name", e.Message);
    }

    [Theory]
    [InlineData("""{"rowKeyFields":[]}""")]
    [InlineData("""{"sortKeyFields":[{"name":"s","type":"IntType"}],"valueFields":[{"name":"v","type":"IntType"}]}""")]
    public void Schema_without_row_keys_is_rejected(string json)
    {
        var e = Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(json));

        Assert.Contains("row key", e.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""{"rowKeyFields":[{"name":"k","type":"IntType"}""")]
    public void Text_that_is_not_json_is_rejected(string json)
    {
        var e = Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(json));

        Assert.Contains("JSON", e.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"rowKeyFields\"")]
    [InlineData("""{"rowKeyFields":{"name":"k","type":"IntType"}}""")]
    [InlineData("""{"rowKeyFields":["k"]}""")]
    public void Json_of_the_wrong_shape_is_rejected(string json)
    {
        Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(json));
    }

    [Fact]
    public void Unknown_top_level_entry_is_rejected_naming_it()
    {
        var e = Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(
            """{"rowKeyFields":[{"name":"k","type":"IntType"}],"valueField":[]}"""));

        Assert.Contains("'valueField'", e.Message);
    }

    [Fact]
    public void Repeated_top_level_entry_is_rejected_as_a_schema_error()
    {
        Assert.Throws<SchemaException>(() => SchemaSerDe.FromJson(
            """{"rowKeyFields":[{"name":"k","type":"IntType"}],"rowKeyFields":[{"name":"j","type":"IntType"}]}"""));
    }

    [Fact]
    public void Schema_with_a_nullable_row_key_is_rejected_by_the_constructor_naming_the_field()
    {
        var e = Assert.Throws<SchemaException>(() => new TableSchema([new Field("id", IntType.Instance, true)]));

        Assert.Contains("'id'", e.Message);
    }

    [Fact]
    public void Schema_with_a_list_row_key_is_rejected_by_the_constructor_naming_the_field()
    {
        var e = Assert.Throws<SchemaException>(() => new TableSchema([new Field("id", new ListType(IntType.Instance))]));

        Assert.Contains("'id'", e.Message);
    }

    [Fact]
    public void Field_lookup_by_name_finds_every_field_and_names_a_missing_one()
    {
        var schema = SchemaSerDe.FromJson("""
            {"rowKeyFields":[{"name":"a","type":"IntType"}],"sortKeyFields":[{"name":"b","type":"IntType"}],"valueFields":[{"name":"c","type":"IntType"}]}
            """);

        Assert.Equal([0, 1, 2, -1], new[] { "a", "b", "c", "d" }.Select(schema.IndexOf));
        Assert.Equal("c", schema.GetField("c").Name);
        Assert.Contains("'d'", Assert.Throws<SchemaException>(() => schema.GetField("d")).Message);
        Assert.Equal(2, schema.KeyFieldCount);
    }
}
