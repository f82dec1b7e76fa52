using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Iterators;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;
using Sleeper.Core.Tables;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Security;

/// <summary>The visibility field's rules, the filter every query runs, the ingest check, and aggregation keeping labels apart.</summary>
public sealed class VisibilityIteratorTests
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("sort", LongType.Instance)],
        [new Field("count", LongType.Instance), new Field("vis", StringType.Instance, Nullable: true), new Field("size", IntType.Instance)]);

    private static SleeperProperties Properties(string? visibility = "vis", string? aggregations = null)
    {
        var properties = SleeperProperties.ForTable();
        if (visibility is not null)
        {
            properties.Set(TableProperty.VisibilityField.Name, visibility);
        }
        if (aggregations is not null)
        {
            properties.Set(TableProperty.Aggregations.Name, aggregations);
        }
        return properties;
    }

    private static RecordBatch Batch(IEnumerable<Row> rows)
    {
        var builder = new RecordBatchBuilder(Schema);
        foreach (var row in rows)
        {
            builder.Append(row);
        }
        return builder.Build();
    }

    private static Row R(string key, long sort, long count, string? vis, int size = 1) => new([key, sort, count, vis, size]);

    [Theory]
    [InlineData("nope", "is not in the table's schema")]
    [InlineData("key", "is a row key field")]
    [InlineData("sort", "is a sort key field")]
    [InlineData("count", "is LongType; the visibility field must be StringType")]
    public void The_visibility_field_must_be_a_string_value_field(string field, string problem)
    {
        var error = Assert.Throws<PropertyException>(() => TablePropertiesCheck.Validate(Schema, Properties(field)));
        Assert.Contains(TableProperty.VisibilityField.Name, error.Message);
        Assert.Contains(problem, error.Message);
        TablePropertiesCheck.Validate(Schema, Properties("vis"));
    }

    [Fact]
    public void The_filter_keeps_rows_whose_expression_the_authorisations_satisfy_and_null_is_visible_to_all()
    {
        var rows = new[] { R("a", 1, 1, "A"), R("b", 1, 1, "B"), R("c", 1, 1, null), R("d", 1, 1, ""), R("e", 1, 1, "A&B"), R("f", 1, 1, "A|B"), R("g", 1, 1, "A&|") };
        var filter = new VisibilityFilter("vis", new Authorisations(["A"]));

        var kept = filter.Apply([Batch(rows)]).SelectMany(b => BatchRows.ToRows(b, Schema)).Select(r => (string)r[0]!).ToList();

        Assert.Equal(["a", "c", "d", "f"], kept);
        Assert.Equal(1, filter.Evaluator.MalformedExpressions);
    }

    [Fact]
    public void The_filter_reads_labels_of_a_slice_of_a_batch_from_the_slice_s_rows()
    {
        var rows = Enumerable.Range(0, 40).Select(i => R($"k{i:D2}", i, i, (i % 4) switch { 0 => "A", 1 => "B", 2 => null, _ => "A&B" })).ToList();
        using var whole = Batch(rows);
        var slice = whole.Slice(5, 30);
        var filter = new VisibilityFilter("vis", new Authorisations(["A"]));

        var kept = filter.Apply([slice]).SelectMany(b => BatchRows.ToRows(b, Schema)).Select(r => (string)r[0]!).ToList();

        Assert.Equal(rows.Skip(5).Take(30).Where(r => (string?)r[3] is "A" or null).Select(r => (string)r[0]!), kept);
    }

    [Fact]
    public void A_query_of_a_table_with_a_visibility_field_always_starts_with_the_filter_whatever_it_asks_for()
    {
        var request = QueryRequest.ForRegions("t", []) with { Authorisations = ["A"] };
        var iterators = QueryIterators.Create(Schema, Properties(), request);
        var filter = Assert.IsType<VisibilityFilter>(Assert.Single(iterators));
        Assert.Equal("vis", filter.FieldName);
        Assert.True(filter.Evaluator.Authorisations.Contains("A"));

        Assert.Empty(QueryIterators.Create(Schema, Properties(visibility: null), request));
        Assert.Throws<AuthorisationsException>(() => QueryIterators.Create(Schema, Properties(), request with { Authorisations = [""] }));
        Assert.Throws<AuthorisationsException>(() => QueryIterators.Create(Schema, Properties(visibility: null), request with { Authorisations = [""] }));
    }

    [Fact]
    public void A_query_iterator_that_cannot_be_loaded_is_named_as_the_query_s_not_the_table_s()
    {
        var request = QueryRequest.ForRegions("t", []) with { IteratorClassName = "x.Y" };
        var error = Assert.Throws<SleeperException>(() => QueryIterators.Create(Schema, Properties(visibility: null), request));
        Assert.Contains("queryTimeIteratorClassName", error.Message);
        Assert.DoesNotContain(TableProperty.IteratorClassName.Name, error.Message);
    }

    [Fact]
    public void The_ingest_check_names_the_source_row_key_and_field_of_a_malformed_expression()
    {
        var check = VisibilityCheck.For(Schema, Properties())!;
        check.Check(Batch([R("a", 1, 1, "A&(B|C)"), R("b", 1, 1, null), R("c", 1, 1, "")]), "rows.jsonl");

        var error = Assert.Throws<RowValidationException>(() =>
            check.Checked([Batch([R("a", 1, 1, "A")]), Batch([R("b", 1, 1, "A"), R("c", 1, 1, "A|B&C")])], "rows.jsonl").ToList());

        Assert.Contains("rows.jsonl: row 3 (row key key=c): field 'vis' is not a valid access expression", error.Message);
        Assert.Contains("at character 4", error.Message);
        Assert.Null(VisibilityCheck.For(Schema, Properties(visibility: null)));
    }

    [Fact]
    public void The_visibility_field_takes_no_aggregation_and_needs_none()
    {
        var error = Assert.Throws<PropertyException>(() => TablePropertiesCheck.Validate(Schema, Properties(aggregations: "sum(count),min(vis),sum(size)")));
        Assert.Contains("visibility field", error.Message);
        TablePropertiesCheck.Validate(Schema, Properties(aggregations: "sum(count),sum(size)"));
        // Without a visibility field, the string field would need an aggregation it cannot have.
        Assert.Throws<PropertyException>(() => TablePropertiesCheck.Validate(Schema, Properties(visibility: null, aggregations: "sum(count),sum(size)")));
    }

    [Fact]
    public void Aggregation_combines_rows_of_equal_keys_only_when_their_labels_are_equal_like_a_model()
    {
        var aggregator = (Aggregator)Assert.Single(TableIterators.Create(Schema, Properties(aggregations: "sum(count),max(size)")));
        var random = new Random(11);
        string?[] labels = [null, "", "A", "B", "A&B", "A|B"];
        for (var round = 0; round < 200; round++)
        {
            var rows = Enumerable.Range(0, random.Next(1, 80))
                .Select(_ => R($"k{random.Next(4)}", random.Next(2), random.Next(1, 100), labels[random.Next(labels.Length)], random.Next(50)))
                .OrderBy(r => (string)r[0]!, StringComparer.Ordinal).ThenBy(r => (long)r[1]!)
                .ToList();
            var batches = new List<RecordBatch>();
            for (var start = 0; start < rows.Count;)
            {
                var length = Math.Min(rows.Count - start, random.Next(1, 20));
                batches.Add(Batch(rows.GetRange(start, length)));
                start += length;
            }

            var result = aggregator.Apply(batches).SelectMany(b => BatchRows.ToRows(b, Schema)).ToList();

            var expected = rows.GroupBy(r => ((string)r[0]!, (long)r[1]!, (string?)r[3]))
                .Select(g => $"{g.Key.Item1}|{g.Key.Item2}|{g.Sum(r => (long)r[2]!)}|{g.Key.Item3 ?? "null"}|{g.Max(r => (int)r[4]!)}")
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, result.Select(r => $"{r[0]}|{r[1]}|{r[2]}|{(string?)r[3] ?? "null"}|{r[4]}").Order(StringComparer.Ordinal).ToList());
            // Still in key order, and one row per keys and label.
            var keys = result.Select(r => ((string)r[0]!, (long)r[1]!)).ToList();
            Assert.Equal(keys.OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2).ToList(), keys);
        }
    }
}
