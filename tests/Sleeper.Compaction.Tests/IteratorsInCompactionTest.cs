using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Iterators;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Compaction.Tests;

public class IteratorsInCompactionTest
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly TableSchema AggregationSchema = new(
        [new Field("key", StringType.Instance)],
        [new Field("sort", IntType.Instance)],
        [
            new Field("count", LongType.Instance),
            new Field("smallest", IntType.Instance),
            new Field("largest", LongType.Instance, Nullable: true),
            new Field("totals", new MapType(StringType.Instance, LongType.Instance)),
            new Field("mins", new MapType(StringType.Instance, IntType.Instance)),
            new Field("maxes", new MapType(StringType.Instance, LongType.Instance)),
        ]);

    private const string AllAggregations = "sum(count), min(smallest), max(largest), map_sum(totals), map_min(mins), map_max(maxes)";

    private static async Task<List<Row>> CompactAllAsync(TestTable table, IEnumerable<IEnumerable<Row>> inputs, CompactionTask task)
    {
        var files = new List<string>();
        foreach (var rows in inputs)
        {
            files.Add(await table.IngestAsync(rows));
        }
        var root = await table.LeafContainingAsync(table.Schema.RowKeyFields[0].Type is StringType ? "a" : 0L);
        var job = await table.AssignJobAsync(root.Id, files);
        var result = await task.RunAsync(table.Table, job);
        var output = await table.ReadFileAsync(job.OutputFile);
        Assert.Equal(output.Count, result.RowsWritten);
        Assert.Equal(output.Count, Assert.Single(await table.ReferencesAsync()).NumberOfRows);
        return output;
    }

    [Fact]
    public async Task AgeOff_drops_rows_older_than_the_maximum_age()
    {
        var time = new FakeTimeProvider(Now);
        using var table = await TestTable.CreateAsync(configure: p => p.Set(TableProperty.Filters.Name, "ageOff(timestamp,60000)"));
        var now = Now.ToUnixTimeMilliseconds();
        Row R(string key, long timestamp) => new([key, timestamp, "v"]);

        var output = await CompactAllAsync(table,
            [[R("a", now - 120_000), R("b", now - 59_999), R("c", now)], [R("a", now - 60_000), R("d", now - 1), R("e", 0)]],
            new CompactionTask(time));

        Assert.Equal(["b", "c", "d"], output.Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task Aggregation_combines_rows_with_equal_row_and_sort_keys_across_inputs()
    {
        using var table = await TestTable.CreateAsync(AggregationSchema, configure: p => p.Set(TableProperty.Aggregations.Name, AllAggregations));
        Row R(string key, int sort, long count, int smallest, long? largest, Dictionary<object, object?> totals,
            Dictionary<object, object?> mins, Dictionary<object, object?> maxes) => new([key, sort, count, smallest, largest, totals, mins, maxes]);
        Dictionary<object, object?> M(params (string Key, object Value)[] entries) => entries.ToDictionary(e => (object)e.Key, e => (object?)e.Value);

        var output = await CompactAllAsync(table,
        [
            [R("a", 1, 1, 5, 10, M(("x", 1L)), M(("x", 3)), M(("x", 1L))), R("b", 1, 7, 7, null, M(), M(), M())],
            [R("a", 1, 2, 3, 20, M(("x", 2L), ("y", 5L)), M(("x", 4), ("y", 9)), M(("y", 8L))), R("a", 2, 100, 1, 1, M(), M(), M())],
            [R("a", 1, 3, 9, null, M(("y", 1L)), M(("y", 2)), M(("x", 6L))), R("b", 1, 1, 9, 4, M(("z", 1L)), M(), M())],
        ], new CompactionTask());

        Assert.Equal(
        [
            R("a", 1, 6, 3, 20, M(("x", 3L), ("y", 6L)), M(("x", 3), ("y", 2)), M(("x", 6L), ("y", 8L))).ToString(),
            R("a", 2, 100, 1, 1, M(), M(), M()).ToString(),
            R("b", 1, 8, 7, 4, M(("z", 1L)), M(), M()).ToString(),
        ], output.Select(r => r.ToString()));
    }

    [Fact]
    public async Task Aggregation_combines_groups_that_span_merge_batches()
    {
        var schema = new TableSchema([new Field("key", LongType.Instance)], null, [new Field("count", LongType.Instance)]);
        using var table = await TestTable.CreateAsync(schema, configure: p => p.Set(TableProperty.Aggregations.Name, "sum(count)"));
        // 150,000 rows per input over 1,000 keys: every key's rows straddle many merged batches.
        var inputs = Enumerable.Range(0, 2).Select(i => Enumerable.Range(0, 150_000).Select(j => new Row([(long)(j % 1000), (long)(i + 1)]))).ToList();

        var output = await CompactAllAsync(table, inputs, new CompactionTask());

        Assert.Equal(Enumerable.Range(0, 1000).Select(k => $"{k}:450"), output.Select(r => $"{r[0]}:{r[1]}"));
    }

    [Theory]
    [InlineData("sum(count)", "'smallest'")]
    [InlineData(AllAggregations + ", sum(key)", "'key' is a row key or sort key")]
    [InlineData("sum(count), min(smallest), max(largest), map_sum(totals), map_min(mins), sum(maxes)", "field 'maxes' is MapType")]
    [InlineData("sum(count), min(smallest), max(largest), map_sum(totals), map_min(mins), avg(maxes)", "'avg'")]
    [InlineData("sum(count), sum(count)", "more than one")]
    [InlineData("sum(nope)", "'nope'")]
    [InlineData("sum count", "cannot parse")]
    public void Aggregation_configuration_errors_name_the_property_and_the_field(string value, string expected)
    {
        var error = Assert.Throws<PropertyException>(() => Aggregator.Parse(value, AggregationSchema));
        Assert.Contains(TableProperty.Aggregations.Name, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("ageOff(value,1000)", "LongType")]
    [InlineData("ageOff(nope,1000)", "'nope'")]
    [InlineData("ageOff(timestamp)", "ageOff(field,milliseconds)")]
    [InlineData("keepOnly(timestamp,5)", "'keepOnly'")]
    [InlineData("ageOff(timestamp,5) junk", "junk")]
    public void Filter_configuration_errors_name_the_property(string value, string expected)
    {
        var error = Assert.Throws<PropertyException>(() => AgeOffFilter.Parse(value, TestTable.StandardSchema));
        Assert.Contains(TableProperty.Filters.Name, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_custom_iterator_loaded_by_class_name_from_an_assembly_runs_after_the_filters()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1000));
        using var table = await TestTable.CreateAsync(configure: p =>
        {
            p.Set(TableProperty.Filters.Name, "ageOff(timestamp,500)");
            p.Set(TableProperty.IteratorClassName.Name, "Sleeper.Compaction.Tests.Iterator.KeepTimestampsDivisibleBy");
            p.Set(TableProperty.IteratorConfig.Name, "3");
        });
        var rows = Enumerable.Range(0, 1000).Select(i => new Row([$"k{i:D4}", (long)i, "v"])).ToList();

        var output = await CompactAllAsync(table, [rows.Where(r => (long)r[1]! % 2 == 0), rows.Where(r => (long)r[1]! % 2 == 1)], TestIterators.Task(time));

        Assert.Equal(Enumerable.Range(501, 499).Where(i => i % 3 == 0).Select(i => (long)i), output.Select(r => (long)r[1]!));
    }

    [Fact]
    public void The_instance_property_names_the_iterator_assemblies()
    {
        var properties = SleeperProperties.ForInstance();
        properties.Set(InstanceProperty.IteratorsAssemblyPath.Name, TestIterators.AssemblyPath);

        var iterator = IteratorLoader.FromInstanceProperties(properties).Create("KeepTimestampsDivisibleBy", "2", TestTable.StandardSchema);

        Assert.Equal("KeepTimestampsDivisibleBy", iterator.GetType().Name);
    }

    [Theory]
    [InlineData("Sleeper.Compaction.Tests.Iterator.Missing", "is not in")]
    [InlineData("Sleeper.Compaction.Tests.Iterator.NotAnIterator", "is not a concrete IConfigurableIterator")]
    public void Loading_a_missing_or_wrong_iterator_class_says_what_is_wrong(string className, string expected)
    {
        var error = Assert.Throws<SleeperException>(() => TestIterators.Loader().Create(className, "", TestTable.StandardSchema));
        Assert.Contains(expected, error.Message);
        Assert.Contains(TableProperty.IteratorClassName.Name, error.Message);
    }

    [Fact]
    public void Loading_from_a_missing_assembly_names_it()
    {
        var error = Assert.Throws<SleeperException>(() => new IteratorLoader(["/nowhere/iterators.dll"]).Create("X", "", TestTable.StandardSchema));
        Assert.Contains("/nowhere/iterators.dll", error.Message);
    }

    [Fact]
    public void A_custom_iterator_with_no_assembly_configured_is_an_error_naming_the_instance_property()
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IteratorClassName.Name, "Some.Iterator");
        var error = Assert.Throws<SleeperException>(() => TableIterators.Create(TestTable.StandardSchema, properties));
        Assert.Contains(InstanceProperty.IteratorsAssemblyPath.Name, error.Message);
    }
}
