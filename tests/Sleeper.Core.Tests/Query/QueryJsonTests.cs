using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Tests.Query;

public class QueryJsonTests
{
    private static readonly Field Key = new("key", StringType.Instance);
    private static readonly TableSchema StringKeyed = new([Key], [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance), new Field("count", LongType.Instance)]);

    private static readonly Field A = new("a", IntType.Instance);
    private static readonly Field B = new("b", LongType.Instance);
    private static readonly Field C = new("c", ByteArrayType.Instance);
    private static readonly TableSchema ThreeKeys = new([A, B, C], null, [new Field("v", StringType.Instance)]);

    private static QueryRequest Parse(string json, TableSchema? schema = null) =>
        QueryJson.Parse(json, schema ?? StringKeyed, "t", "query file q.json");

    private static string ErrorOf(string json, TableSchema? schema = null) =>
        Assert.Throws<SleeperException>(() => Parse(json, schema)).Message;

    [Fact]
    public void Sleepers_example_range_query_reads_min_inclusive_max_exclusive()
    {
        var q = Parse("""
            {"queryId": "id", "tableName": "t", "type": "Query",
             "ranges": [{"min": {"key": "b"}, "minInclusive": true, "max": {"key": "d"}, "maxInclusive": false}],
             "requestedValueFields": ["value"]}
            """);
        Assert.Equal("id", q.QueryId);
        Assert.Equal([new Region([new KeyRange(Key, "b", true, "d", false)])], q.Regions);
        Assert.Equal(["key", "timestamp", "value"], q.OutputFieldNames(StringKeyed));
    }

    [Fact]
    public void Inclusive_flags_default_as_in_Sleepers_region_serde_and_a_missing_bound_is_unbounded()
    {
        var q = Parse("""{"tableName": "t", "ranges": [{"min": {"key": "b"}}, {"max": {"key": "d"}, "maxInclusive": true}, {"key": {"min": "x", "minInclusive": false}}]}""");
        Assert.Equal(
        [
            new Region([new KeyRange(Key, "b", true, null, false)]),
            new Region([new KeyRange(Key, "", true, "d", true)]),
            new Region([new KeyRange(Key, "x", false, null, false)]),
        ], q.Regions);
        Assert.Null(q.RequestedValueFields);
        Assert.Null(q.OutputFieldNames(StringKeyed));
    }

    [Fact]
    public void Keys_of_several_types_become_exact_regions_with_numbers_given_as_numbers_or_strings()
    {
        var q = Parse("""{"tableName": "t", "keys": [{"a": 1, "b": 10000000000, "c": "AQI="}, {"a": "-7", "b": "3", "c": ""}]}""", ThreeKeys);
        Assert.Equal(
        [
            new Region([KeyRange.Exactly(A, 1), KeyRange.Exactly(B, 10_000_000_000L), KeyRange.Exactly(C, new byte[] { 1, 2 })]),
            new Region([KeyRange.Exactly(A, -7), KeyRange.Exactly(B, 3L), KeyRange.Exactly(C, Array.Empty<byte>())]),
        ], q.Regions);
    }

    [Fact]
    public void Ranges_per_field_leave_other_row_keys_unbounded()
    {
        var q = Parse("""{"tableName": "t", "ranges": [{"b": {"min": 5, "max": 9, "maxInclusive": true}}, {"a": {"min": null, "max": 0}, "c": {"min": "AA==", "minInclusive": false, "max": null}}]}""", ThreeKeys);
        Assert.Equal(
        [
            new Region([KeyRange.Unbounded(A), new KeyRange(B, 5L, true, 9L, true), KeyRange.Unbounded(C)]),
            new Region([new KeyRange(A, int.MinValue, true, 0, false), KeyRange.Unbounded(B), new KeyRange(C, new byte[] { 0 }, false, null, false)]),
        ], q.Regions);
    }

    [Fact]
    public void Regions_take_strings_in_base64_as_Sleepers_serde_writes_them_unless_told_otherwise()
    {
        var q = Parse("""{"tableName": "t", "regions": [{"key": {"min": "YQ==", "minInclusive": true, "max": "Yw==", "maxInclusive": false}}, {"key": {"min": "a", "max": "c"}, "stringsBase64Encoded": false}]}""");
        Assert.Equal([new Region([new KeyRange(Key, "a", true, "c", false)]), new Region([new KeyRange(Key, "a", true, "c", false)])], q.Regions);
    }

    [Fact]
    public void Iterator_and_publisher_settings_are_kept()
    {
        var q = Parse("""{"tableName": "t", "keys": [{"key": "k"}], "queryTimeIteratorClassName": "my.Iterator", "queryTimeIteratorConfig": "x=1", "resultsPublisherConfig": {"destination": "S3", "bucket": "b"}}""");
        Assert.Equal("my.Iterator", q.IteratorClassName);
        Assert.Equal("x=1", q.IteratorConfig);
        Assert.Equal(new Dictionary<string, string> { ["destination"] = "S3", ["bucket"] = "b" }, q.ResultsPublisherConfig);
    }

    [Theory]
    [InlineData(false, """{"tableName": "t", "ranges": [{"min": {"nope": "a"}}]}""", "ranges[0].min: 'nope' is not a row key field (row keys: key)")]
    [InlineData(false, """{"tableName": "t", "ranges": [{"nope": {"min": "a"}}]}""", "ranges[0]: 'nope' is not a row key field")]
    [InlineData(false, """{"tableName": "t", "keys": [{"key": 5}]}""", "keys[0].key: 5 is not a StringType value (row key 'key')")]
    [InlineData(true, """{"tableName": "t", "keys": [{"a": 1.5, "b": 1, "c": ""}]}""", "keys[0].a: 1.5 is not an int")]
    [InlineData(true, """{"tableName": "t", "keys": [{"a": 1, "b": 1}]}""", "keys[0]: has no value for row key 'c'")]
    [InlineData(true, """{"tableName": "t", "keys": [{"a": 1, "b": 1, "c": "!!"}]}""", "keys[0].c: \"!!\" is not base64")]
    [InlineData(true, """{"tableName": "t", "keys": [{"a": 1, "b": 1, "c": ""}], "ranges": []}""", "give either keys or ranges, not both")]
    [InlineData(false, """{"tableName": "t"}""", "give the rows to read as keys or ranges")]
    [InlineData(false, """{"tableName": "other", "keys": []}""", "tableName is 'other' but the query is of table 't'")]
    [InlineData(false, """{"keys": []}""", "tableName is missing")]
    [InlineData(false, """{"tableName": "t", "keys": [], "rangez": []}""", "unknown property 'rangez'")]
    [InlineData(true, """{"tableName": "t", "ranges": [{"a": {"min": 5, "max": 2}}]}""", "the range of 'a' is backwards")]
    [InlineData(true, """{"tableName": "t", "ranges": [{"a": {"min": 1, "minInclusive": "yes"}}]}""", "ranges[0].a.minInclusive: \"yes\" is not true or false")]
    [InlineData(true, """{"tableName": "t", "keys": [{"a": 1, "b": 1, "c": ""}], "requestedValueFields": ["w"]}""", "requestedValueFields: 'w' is not a field of table t")]
    public void Mistakes_are_named(bool threeKeys, string json, string expected)
    {
        Assert.Contains(expected, ErrorOf(json, threeKeys ? ThreeKeys : StringKeyed));
    }

    [Fact]
    public void Malformed_json_is_reported_with_its_position()
    {
        var message = ErrorOf("{\"tableName\": \"t\",\n  \"keys\": [{\"key\": \"a\"},]\n}");
        Assert.StartsWith("query file q.json: not valid JSON at line 2, column ", message);
    }
}
