using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Query;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// Iterators a query names by class and config, after the table's own; and the visibility filter, before them,
/// through compaction: a query gives the same answer over uncompacted files as after compaction, rows of
/// different labels are never combined, and code a query supplies never sees a row its caller may not.
/// </summary>
public sealed class QueryTimeIteratorsTest
{
    private static readonly TableSchema CountSchema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("count", LongType.Instance), new Field("vis", StringType.Instance, Nullable: true)]);

    private static readonly TableSchema PlainCountSchema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("count", LongType.Instance)]);

    private static async Task<List<Row>> QueryAsync(TestTable table, QueryRequest request)
    {
        var rows = new List<Row>();
        await foreach (var batch in new QueryExecutor(table.Table, iteratorLoader: TestIterators.Loader()).RunAsync(request))
        {
            using (batch)
            {
                rows.AddRange(BatchRows.ToRows(batch, table.Schema));
            }
        }
        return rows;
    }

    private static QueryRequest Whole(TestTable table) => QueryRequest.ForRegions(table.Table.Name, [Region.Whole(table.Schema)]);

    /// <summary>Compacts every file of the (single-partition) table into one; returns the rows of the output.</summary>
    private static async Task<List<Row>> CompactAllAsync(TestTable table)
    {
        var files = (await table.ReferencesAsync()).Select(r => r.Filename).Distinct().ToList();
        var root = await table.LeafContainingAsync("a");
        var job = await table.AssignJobAsync(root.Id, files);
        await TestIterators.Task().RunAsync(table.Table, job);
        Assert.Single(await table.ReferencesAsync());
        return await table.ReadFileAsync(job.OutputFile);
    }

    private static string Show(IEnumerable<Row> rows) => string.Join(", ", rows.Select(r => string.Join('|', r.Values.Select(v => v ?? "null"))));

    [Fact]
    public async Task A_query_time_iterator_over_uncompacted_files_returns_what_it_returns_after_compaction()
    {
        using var table = await TestTable.CreateAsync(PlainCountSchema, configure: p => p.Set(TableProperty.Aggregations.Name, "sum(count)"));
        var random = new Random(5);
        var model = new List<Row>();
        for (var file = 0; file < 4; file++)
        {
            var rows = Enumerable.Range(0, 200).Select(_ => new Row([$"k{random.Next(20):D2}", (long)random.Next(10), (long)random.Next(100)]))
                .OrderBy(r => (string)r[0]!, StringComparer.Ordinal).ToList();
            await table.IngestAsync(rows);
            model.AddRange(rows);
        }
        var request = Whole(table) with { IteratorClassName = "Sleeper.Compaction.Tests.Iterator.KeepTimestampsDivisibleBy", IteratorConfig = "2" };
        var expected = model.GroupBy(r => ((string)r[0]!, (long)r[1]!)).Where(g => g.Key.Item2 % 2 == 0)
            .OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2)
            .Select(g => new Row([g.Key.Item1, g.Key.Item2, g.Sum(r => (long)r[2]!)])).ToList();

        var before = await QueryAsync(table, request);
        await CompactAllAsync(table);
        var after = await QueryAsync(table, request);

        Assert.Equal(Show(expected), Show(before));
        Assert.Equal(Show(before), Show(after));
        // Without the query's iterator, the odd timestamps are there too.
        Assert.Equal(model.Select(r => ((string)r[0]!, (long)r[1]!)).Distinct().Count(), (await QueryAsync(table, Whole(table))).Count);

        // After a split, with the compacted file still referenced from the parent and a new file in each leaf.
        var root = await table.LeafContainingAsync("a");
        var (parent, left, right) = Sleeper.Core.Partitions.PartitionsBuilder.Split(root, 0, "k10", "left", "right");
        await table.Table.StateStore.CommitAsync(new Sleeper.Core.StateStore.Transactions.SplitPartitionTransaction(parent, [left, right]));
        var more = Enumerable.Range(0, 100).Select(_ => new Row([$"k{random.Next(20):D2}", (long)random.Next(10), (long)random.Next(100)])).ToList();
        var builder = new RecordBatchBuilder(table.Schema);
        foreach (var row in more)
        {
            builder.Append(row);
        }
        await new Sleeper.Ingest.IngestRunner(table.Table).IngestBatchesAsync([builder.Build()]);
        model.AddRange(more);
        var afterSplit = model.GroupBy(r => ((string)r[0]!, (long)r[1]!)).Where(g => g.Key.Item2 % 2 == 0)
            .OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2)
            .Select(g => new Row([g.Key.Item1, g.Key.Item2, g.Sum(r => (long)r[2]!)])).ToList();
        Assert.Equal(Show(afterSplit), Show(await QueryAsync(table, request)));
    }

    [Fact]
    public async Task Aggregation_keeps_rows_of_different_labels_apart_before_and_after_compaction()
    {
        using var table = await TestTable.CreateAsync(CountSchema, configure: p =>
        {
            p.Set(TableProperty.Aggregations.Name, "sum(count)");
            p.Set(TableProperty.VisibilityField.Name, "vis");
        });
        Row R(string key, long count, string? vis) => new([key, 1L, count, vis]);
        await table.IngestAsync([R("a", 1, "A"), R("a", 2, "B"), R("a", 4, "A"), R("a", 8, null), R("b", 1, "A&B")]);
        await table.IngestAsync([R("a", 16, "B"), R("a", 32, "A&B"), R("a", 64, "A"), R("b", 2, "A&B")]);
        await table.IngestAsync([R("a", 128, null), R("a", 256, "B|A")]);

        async Task<string> SeenByAsync(params string[] auths) =>
            Show((await QueryAsync(table, Whole(table) with { Authorisations = auths })).OrderBy(r => (string)r[0]!, StringComparer.Ordinal).ThenBy(r => (string?)r[3] ?? "", StringComparer.Ordinal));

        var views = new Dictionary<string, string>
        {
            [""] = "a|1|136|null",
            ["A"] = "a|1|69|A, a|1|256|B|A, a|1|136|null",
            ["B"] = "a|1|18|B, a|1|256|B|A, a|1|136|null",
            ["A,B"] = "a|1|69|A, a|1|32|A&B, a|1|18|B, a|1|256|B|A, a|1|136|null, b|1|3|A&B",
        };
        foreach (var (auths, expected) in views)
        {
            Assert.Equal(Sorted(expected), Sorted(await SeenByAsync(auths.Split(',', StringSplitOptions.RemoveEmptyEntries))));
        }

        var compacted = await CompactAllAsync(table);

        // One row for each pair of keys and label, never one that combines two labels.
        Assert.Equal(6, compacted.Count);
        Assert.Equal(Sorted("a|1|69|A, a|1|18|B, a|1|32|A&B, a|1|136|null, a|1|256|B|A, b|1|3|A&B"), Sorted(Show(compacted)));
        foreach (var (auths, expected) in views)
        {
            Assert.Equal(Sorted(expected), Sorted(await SeenByAsync(auths.Split(',', StringSplitOptions.RemoveEmptyEntries))));
        }
    }

    private static string Sorted(string shown) => string.Join(", ", shown.Split(", ").Order(StringComparer.Ordinal));

    [Fact]
    public async Task The_visibility_filter_runs_before_a_query_time_iterator_which_never_sees_a_hidden_row()
    {
        using var table = await TestTable.CreateAsync(CountSchema, configure: p => p.Set(TableProperty.VisibilityField.Name, "vis"));
        await table.IngestAsync([new Row(["a", 1L, 1L, "A"]), new Row(["b", 1L, 2L, "B"]), new Row(["c", 1L, 3L, null]), new Row(["d", 1L, 4L, "A|B"])]);
        var seen = Path.Combine(table.Root, "seen.txt");
        var request = Whole(table) with { IteratorClassName = "WriteRowsSeen", IteratorConfig = seen };

        var returned = await QueryAsync(table, request with { Authorisations = ["A"] });

        Assert.Equal("a|1|1|A, c|1|3|null, d|1|4|A|B", Show(returned));
        Assert.Equal(["a|1|1|A", "c|1|3|", "d|1|4|A|B"], await File.ReadAllLinesAsync(seen));

        File.Delete(seen);
        // No authorisations: only what is visible to all, whatever iterator the query names.
        Assert.Equal("c|1|3|null", Show(await QueryAsync(table, request)));
        Assert.Equal(["c|1|3|"], await File.ReadAllLinesAsync(seen));
    }

    [Fact]
    public async Task A_query_time_iterator_that_cannot_be_loaded_fails_before_reading_naming_the_query_s_field()
    {
        using var table = await TestTable.CreateAsync(CountSchema);
        await table.IngestAsync([new Row(["a", 1L, 1L, null])]);

        var missing = await Assert.ThrowsAsync<SleeperException>(() => QueryAsync(table, Whole(table) with { IteratorClassName = "Sleeper.Compaction.Tests.Iterator.Missing" }));
        Assert.Contains("queryTimeIteratorClassName", missing.Message);
        Assert.Contains("is not in", missing.Message);
        Assert.DoesNotContain(TableProperty.IteratorClassName.Name, missing.Message);

        var wrong = await Assert.ThrowsAsync<SleeperException>(() => QueryAsync(table, Whole(table) with { IteratorClassName = "NotAnIterator" }));
        Assert.Contains("queryTimeIteratorClassName", wrong.Message);
    }
}
