using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Splitter;
using Xunit;
using Xunit.Abstractions;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>
/// Random ingests into tables of several schemas and partitionings, then random queries, each answered
/// against a plain sorted list of every row ingested.
/// </summary>
public sealed class QueryModelTests(ITestOutputHelper output)
{
    public static readonly TheoryData<string, int> Cases = Build();

    private static TheoryData<string, int> Build()
    {
        var data = new TheoryData<string, int>();
        foreach (var schema in new[] { "string-long-string", "int-string-bytes-list-map", "long-bytes" })
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                data.Add(schema, seed);
            }
        }
        return data;
    }

    private static TableSchema SchemaNamed(string name) => name switch
    {
        "string-long-string" => new TableSchema(
            [new Field("key", StringType.Instance)],
            [new Field("timestamp", LongType.Instance)],
            [new Field("value", StringType.Instance)]),
        "int-string-bytes-list-map" => new TableSchema(
            [new Field("id", IntType.Instance), new Field("name", StringType.Instance)],
            [new Field("version", ByteArrayType.Instance)],
            [new Field("tags", new ListType(StringType.Instance), Nullable: true),
             new Field("counts", new MapType(StringType.Instance, LongType.Instance), Nullable: true)]),
        "long-bytes" => new TableSchema(
            [new Field("number", LongType.Instance), new Field("blob", ByteArrayType.Instance)],
            [],
            [new Field("payload", IntType.Instance)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_query_returns_exactly_the_rows_of_the_model_in_key_order(string schemaName, int seed)
    {
        var schema = SchemaNamed(schemaName);
        var random = new Random(seed * 7919 + schemaName.Length);
        var values = new ModelValues(random);
        using var temp = new TempFolder();
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(temp.Path, "instance"));
        var properties = SleeperProperties.ForTable();
        var strategy = seed % 2 == 0 ? IngestRunner.OneFilePerLeaf : IngestRunner.OneReferencePerLeaf;
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, strategy);
        properties.Set(TableProperty.IngestBatchRows.Name, new[] { "13", "50", "200" }[random.Next(3)]);
        properties.Set(TableProperty.RowGroupRowsMax.Name, "7");
        var splitPoints = seed % 3 == 0 ? [] : SplitPoints(schema, values);
        var table = await instance.CreateTableAsync("model", schema, properties, PartitionsBuilder.FromSplitPoints(schema, splitPoints));

        var model = new List<Row>();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var ingests = random.Next(10, 26);
        for (var n = 0; n < ingests; n++)
        {
            var rows = Enumerable.Range(0, random.Next(1, 501)).Select(_ => values.Row(schema)).ToList();
            // Repeat some keys within one ingest, too.
            for (var i = random.Next(0, 5); i > 0 && model.Count > 0; i--)
            {
                var copy = model[random.Next(model.Count)];
                rows.Add(new Row([.. copy.Values.Take(schema.KeyFieldCount), .. schema.ValueFields.Select(values.Value)]));
            }
            await IngestAsync(table, rows, random, temp.Path, n);
            model.AddRange(rows);
        }
        var state = await table.StateStore.GetStateAsync();
        Assert.Equal(model.Count, state.AllReferences().Sum(r => r.NumberOfRows));

        output.WriteLine($"ingested {model.Count} rows into {state.Files.Count} files in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        var query = new QueryExecutor(table);
        var sortedModel = InTotalOrder(schema, model);
        var context = $"{schemaName} seed {seed} ({strategy}, {splitPoints.Count} split points)";
        await AssertQueriesMatchModelAsync(query, schema, values, model, sortedModel, random, context);
        output.WriteLine($"queries took {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");

        // The same questions after the table has been split further and compacted, and the old files collected:
        // the same executor must give the same answers from files and partitions it has never seen.
        table.Properties.Set(TableProperty.PartitionSplittingThreshold.Name, Math.Max(50, model.Count / 6).ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.Properties.Set(TableProperty.GcDelayMinutes.Name, "0");
        var splitter = new PartitionSplitter(table, PartitionSplitter.OptionsFrom(instance.Properties));
        var splits = 0;
        for (var round = 0; round < 2; round++)
        {
            splits += (await splitter.RunRoundAsync()).Splits.Count();
            foreach (var job in await new CompactionJobCreator(table).CreateJobsAsync(new ForcedCompactionStrategy()))
            {
                await new CompactionTask().RunAsync(table, job);
            }
            await new GarbageCollector.GarbageCollector(table).RunAsync();
        }
        state = await table.StateStore.GetStateAsync();
        Assert.Equal(model.Count, state.AllReferences().Sum(r => r.NumberOfRows));
        output.WriteLine($"after {splits} split(s) and compaction: {state.Files.Count} files in {state.PartitionTree().Leaves.Count} leaves");
        await AssertQueriesMatchModelAsync(query, schema, values, model, sortedModel, random, $"{context}, after {splits} split(s) and compaction");
    }

    private static async Task AssertQueriesMatchModelAsync(QueryExecutor query, TableSchema schema, ModelValues values, List<Row> model,
        List<(Row Row, string Text)> sortedModel, Random random, string context)
    {
        for (var q = 0; q < 40; q++)
        {
            var regions = RandomRegions(schema, values, model, q);
            await AssertMatchesModelAsync(query, schema, sortedModel, regions, $"{context}, query {q}: {string.Join(" ∪ ", regions)}");
        }
        await AssertMatchesModelAsync(query, schema, sortedModel, [Region.Whole(schema)], $"{context}, whole table");
        await AssertMatchesModelAsync(query, schema, sortedModel, [], $"{context}, no regions");

        for (var q = 0; q < 6; q++)
        {
            var fields = schema.AllFields.Select(f => f.Name).Where(_ => random.Next(2) == 0).OrderBy(_ => random.Next()).ToList();
            if (fields.Count == 0)
            {
                fields.Add(schema.AllFields[^1].Name);
            }
            var regions = RandomRegions(schema, values, model, q);
            var (rows, columns) = await ModelTable.RunAsync(query, regions, fields);
            var indexes = fields.Select(schema.IndexOf).ToArray();
            var expected = model.Where(r => regions.Any(g => ModelOrder.Contains(g, r)))
                .Select(r => string.Join("|", indexes.Select(i => ModelValues.Canonical(r.Values[i])))).Order(StringComparer.Ordinal).ToList();
            var actual = rows.Select(ModelValues.Canonical).Order(StringComparer.Ordinal).ToList();
            if (rows.Count > 0)
            {
                Assert.Equal(fields, columns);
            }
            Assert.True(expected.SequenceEqual(actual), $"{context}, projection on {string.Join(",", fields)}: expected {expected.Count} rows, got {actual.Count}.");
        }
    }

    private static async Task AssertMatchesModelAsync(QueryExecutor query, TableSchema schema, List<(Row Row, string Text)> model, IReadOnlyList<Region> regions, string context)
    {
        var (actual, _) = await ModelTable.RunAsync(query, regions);
        for (var i = 1; i < actual.Count; i++)
        {
            Assert.True(ModelTable.CompareKeys(schema, actual[i - 1], actual[i]) <= 0, $"{context}: row {i} ({actual[i]}) comes after a larger key ({actual[i - 1]}).");
        }
        var expectedText = model.Where(r => regions.Any(g => ModelOrder.Contains(g, r.Row))).Select(r => r.Text).ToList();
        Assert.True(expectedText.Count == actual.Count, $"{context}: expected {expectedText.Count} rows, got {actual.Count}.");
        var actualText = InTotalOrder(schema, actual).Select(r => r.Text).ToList();
        for (var i = 0; i < expectedText.Count; i++)
        {
            Assert.True(expectedText[i] == actualText[i], $"{context}: row {i} differs: expected {expectedText[i]}, got {actualText[i]}.");
        }
    }

    /// <summary>Rows equal in every key field may come in any order, so both sides are ordered by keys then by their whole text.</summary>
    private static List<(Row Row, string Text)> InTotalOrder(TableSchema schema, IEnumerable<Row> rows)
    {
        var sorted = rows.Select(r => (Row: r, Text: ModelValues.Canonical(r))).ToList();
        sorted.Sort((a, b) =>
        {
            var c = ModelTable.CompareKeys(schema, a.Row, b.Row);
            return c != 0 ? c : string.CompareOrdinal(a.Text, b.Text);
        });
        return sorted;
    }

    private static List<object> SplitPoints(TableSchema schema, ModelValues values)
    {
        var type = schema.RowKeyTypes[0];
        return ModelOrder.SplitPoints(Enumerable.Range(0, values.Random.Next(1, 7)).Select(_ => values.Primitive(type)).ToList(), type);
    }

    private static async Task IngestAsync(SleeperTable table, List<Row> rows, Random random, string folder, int n)
    {
        var runner = new IngestRunner(table);
        IngestResult result;
        switch (random.Next(4))
        {
            case 0:
            {
                var path = Path.Combine(folder, $"ingest-{n}.jsonl");
                ModelTable.WriteJsonLines(path, table.Schema, rows, random);
                result = await runner.IngestAsync([JsonLinesInput.FromFile(path)]);
                break;
            }
            case 1 when !table.Schema.ValueFields.Any(f => f.Nullable && f.Type is StringType):
            {
                // Two files in one ingest: the rows split between them.
                var cut = random.Next(rows.Count + 1);
                var first = Path.Combine(folder, $"ingest-{n}-a.csv");
                var second = Path.Combine(folder, $"ingest-{n}-b.csv");
                ModelTable.WriteCsv(first, table.Schema, rows.Take(cut), random);
                ModelTable.WriteCsv(second, table.Schema, rows.Skip(cut), random);
                result = await runner.IngestAsync([CsvInput.FromFile(first), CsvInput.FromFile(second)]);
                break;
            }
            default:
            {
                // Several client batches of random sizes.
                var batches = new List<List<Row>>();
                for (var start = 0; start < rows.Count;)
                {
                    var size = random.Next(1, rows.Count - start + 1);
                    batches.Add(rows.GetRange(start, size));
                    start += size;
                }
                result = await runner.IngestBatchesAsync(batches.Select(b => ModelTable.Batch(table.Schema, b)));
                break;
            }
        }
        Assert.Equal(rows.Count, result.RowsWritten);
    }

    private static List<Region> RandomRegions(TableSchema schema, ModelValues values, List<Row> model, int q)
    {
        var random = values.Random;
        switch (q % 5)
        {
            case 0:
            {
                // An exact key: one that is present, or a random one that may not be.
                var key = random.Next(2) == 0 && model.Count > 0
                    ? model[random.Next(model.Count)].Values.Take(schema.RowKeyFields.Count).Select(v => v!).ToArray()
                    : schema.RowKeyTypes.Select(values.Primitive).ToArray();
                return [Region.ForKey(schema, new Key(key))];
            }
            case 1:
                return [Region.ForFirstFieldRange(schema, RandomRange(schema.RowKeyFields[0], values))];
            case 2:
                return [new Region(schema.RowKeyFields.Select(f => RandomRange(f, values)).ToArray())];
            case 3:
            {
                // Overlapping regions: a region, one inside it, one overlapping its edge, and a random one.
                var first = new Region(schema.RowKeyFields.Select(f => RandomRange(f, values)).ToArray());
                var inner = new Region(first.Ranges.Select(r => r with { MinInclusive = true }).ToArray());
                var other = new Region(schema.RowKeyFields.Select(f => RandomRange(f, values)).ToArray());
                return [first, inner, other, first];
            }
            default:
            {
                // An empty range: max below min, or one point with an exclusive end.
                var field = schema.RowKeyFields[0];
                var a = values.Primitive(field.PrimitiveType);
                var b = values.Primitive(field.PrimitiveType);
                var (lo, hi) = ModelOrder.Compare(a, b) <= 0 ? (a, b) : (b, a);
                var range = random.Next(2) == 0 && ModelOrder.Compare(lo, hi) < 0
                    ? new KeyRange(field, hi, true, lo, true)
                    : new KeyRange(field, lo, random.Next(2) == 0, lo, false);
                return [Region.ForFirstFieldRange(schema, range)];
            }
        }
    }

    private static KeyRange RandomRange(Field field, ModelValues values)
    {
        var random = values.Random;
        var type = field.PrimitiveType;
        var (min, minInclusive) = random.Next(4) == 0 ? (KeyValues.MinimumOf(type), true) : (values.Primitive(type), random.Next(2) == 0);
        object? max = random.Next(4) == 0 ? null : values.Primitive(type);
        if (max is not null && random.Next(3) > 0 && ModelOrder.Compare(min, max) > 0)
        {
            (min, max) = (max, min);
        }
        return new KeyRange(field, min, minInclusive, max, max is not null && random.Next(2) == 0);
    }
}
