using System.Text;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Parquet;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>What ingest writes: sorted Parquet files with sketches, referenced as the table's writing strategy says.</summary>
public sealed class WrittenFilesTests : IDisposable
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<SleeperTable> TableAsync(string strategy, int batchRows, params string[] splitPoints)
    {
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(_temp.Path, "instance-" + Guid.NewGuid().ToString("N")));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, strategy);
        properties.Set(TableProperty.IngestBatchRows.Name, batchRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        properties.Set(TableProperty.RowGroupRowsMax.Name, "7");
        return await instance.CreateTableAsync("written", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, splitPoints));
    }

    private static List<Row> RandomRows(int count, int seed, string alphabet = "abcdefghijklmnopqrstuvwxyzé😀")
    {
        var random = new Random(seed);
        var runes = alphabet.EnumerateRunes().Select(r => r.ToString()).ToArray();
        return Enumerable.Range(0, count)
            .Select(_ => new Row([string.Concat(Enumerable.Range(0, random.Next(0, 4)).Select(_ => runes[random.Next(runes.Length)])), (long)random.Next(-5, 5), "v"]))
            .ToList();
    }

    private static string JsonLines(IEnumerable<Row> rows) =>
        string.Concat(rows.Select(r => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?> { ["key"] = r[0], ["timestamp"] = r[1], ["value"] = r[2] }) + "\n"));

    private static async Task<List<Row>> ReadFileAsync(SleeperTable table, string filename)
    {
        using var reader = SortedParquetReader.Open(table.LocalPathOf(filename), table.Schema);
        var rows = new List<Row>();
        await foreach (var batch in reader.ReadAllAsync())
        {
            using (batch)
            {
                rows.AddRange(BatchRows.ToRows(batch, table.Schema));
            }
        }
        return rows;
    }

    private static void AssertSorted(List<Row> rows, string filename)
    {
        var comparer = KeyComparer.ForRowAndSortKeys(Schema);
        for (var i = 1; i < rows.Count; i++)
        {
            var previous = rows[i - 1].Values.Take(2).Select(v => v!).ToArray();
            var current = rows[i].Values.Take(2).Select(v => v!).ToArray();
            Assert.True(comparer.Compare(previous, current) <= 0, $"{filename}: row {i} ({rows[i]}) sorts before row {i - 1} ({rows[i - 1]}).");
        }
    }

    private static string LeafOf(IReadOnlyList<Partition> leaves, Row row) =>
        leaves.Single(l => l.Region.Contains(Key.Of(row[0]!))).Id;

    [Fact]
    public async Task One_file_per_leaf_writes_a_sorted_file_with_sketches_for_each_non_empty_leaf()
    {
        var table = await TableAsync(IngestRunner.OneFilePerLeaf, 1_000_000, "g", "p", "q");
        // Nothing between "p" and "q", so that leaf stays empty.
        var rows = RandomRows(600, 1).Where(r => !(Utf8Ordinal.Compare((string)r[0]!, "p") >= 0 && Utf8Ordinal.Compare((string)r[0]!, "q") < 0)).ToList();

        var result = await new IngestRunner(table).IngestAsync([new JsonLinesInput("rows", () => new StringReader(JsonLines(rows)))]);

        var state = await table.StateStore.GetStateAsync();
        var leaves = state.PartitionTree().Leaves.ToList();
        var expectedPerLeaf = rows.GroupBy(r => LeafOf(leaves, r)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, expectedPerLeaf.Count);
        Assert.Equal(3, state.Files.Count);
        Assert.Equal(rows.Count, result.RowsWritten);
        foreach (var file in state.Files.Values)
        {
            var reference = Assert.Single(file.References.Values);
            Assert.True(reference.OnlyContainsDataForThisPartition);
            Assert.False(reference.CountApproximate);
            Assert.Equal(expectedPerLeaf[reference.PartitionId], reference.NumberOfRows);
            Assert.Contains($"partition_{reference.PartitionId}", file.Filename);
            var fileRows = await ReadFileAsync(table, file.Filename);
            Assert.Equal(reference.NumberOfRows, fileRows.Count);
            Assert.All(fileRows, r => Assert.Equal(reference.PartitionId, LeafOf(leaves, r)));
            AssertSorted(fileRows, file.Filename);
            Assert.True(File.Exists(SketchesFile.PathFor(table.LocalPathOf(file.Filename))), $"{file.Filename} has no sketches file");
            var sketches = await SketchesFile.ReadAsync(SketchesFile.PathFor(table.LocalPathOf(file.Filename)), Schema);
            Assert.NotNull(sketches);
        }
    }

    [Theory]
    [InlineData("1G")]
    [InlineData("2K")]
    public async Task One_reference_per_leaf_writes_a_sorted_file_per_core_each_referenced_from_the_leaves_it_covers(string memory)
    {
        var table = await TableAsync(IngestRunner.OneReferencePerLeaf, 100, "g", "p");
        table.Properties.Set(TableProperty.IngestMemoryBytes.Name, memory);
        var rows = RandomRows(300, 2);

        var result = await new IngestRunner(table) { MinRowsPerPipeline = 50 }.IngestAsync([new JsonLinesInput("rows", () => new StringReader(JsonLines(rows)))]);

        Assert.Equal(Math.Min(3, Environment.ProcessorCount), result.FilesWritten);
        Assert.Equal(memory == "2K", result.Statistics!.SpilledRuns > 0);
        var state = await table.StateStore.GetStateAsync();
        var leaves = state.PartitionTree().Leaves.ToList();
        Assert.Equal(result.FilesWritten, state.Files.Count);
        var allRows = new List<Row>();
        var referencedLeaves = new List<string>();
        foreach (var file in state.Files.Values)
        {
            var fileRows = await ReadFileAsync(table, file.Filename);
            AssertSorted(fileRows, file.Filename);
            Assert.True(File.Exists(SketchesFile.PathFor(table.LocalPathOf(file.Filename))), $"{file.Filename} has no sketches file");
            var perLeaf = fileRows.GroupBy(r => LeafOf(leaves, r)).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(perLeaf.OrderBy(p => p.Key), file.References.Values.ToDictionary(r => r.PartitionId, r => r.NumberOfRows).OrderBy(p => p.Key));
            Assert.All(file.References.Values, r => Assert.Equal(perLeaf.Count == 1, r.OnlyContainsDataForThisPartition));
            Assert.Contains(perLeaf.Count == 1 ? $"partition_{perLeaf.Keys.Single()}/" : "partition_root/", file.Filename);
            allRows.AddRange(fileRows);
            referencedLeaves.AddRange(perLeaf.Keys);
        }
        // Each file covers its own range of leaves.
        Assert.Equal(referencedLeaves.Count, referencedLeaves.Distinct().Count());
        Assert.Equal(rows.Select(r => r.ToString()).Order(StringComparer.Ordinal), allRows.Select(r => r.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(3, referencedLeaves.Count);
    }

    [Fact]
    public async Task One_reference_per_leaf_puts_a_file_with_rows_of_one_leaf_in_that_leafs_folder()
    {
        var table = await TableAsync(IngestRunner.OneReferencePerLeaf, 100, "g", "p");
        var rows = Enumerable.Range(0, 30).Select(i => new Row(["zz" + i, (long)i, "w"])).ToList();

        await new IngestRunner(table).IngestAsync([new JsonLinesInput("rows", () => new StringReader(JsonLines(rows)))]);

        var state = await table.StateStore.GetStateAsync();
        var file = Assert.Single(state.Files.Values);
        var reference = Assert.Single(file.References.Values);
        Assert.True(reference.OnlyContainsDataForThisPartition);
        Assert.Equal(30, reference.NumberOfRows);
        Assert.Contains($"partition_{reference.PartitionId}/", file.Filename);
    }

    [Fact]
    public async Task Standard_input_is_read_as_json_lines()
    {
        var table = await TableAsync(IngestRunner.OneReferencePerLeaf, 1000);
        var text = "{\"key\":\"b\",\"timestamp\":2,\"value\":\"x\"}\n\n{\"key\":\"a\",\"timestamp\":1,\"value\":\"y\"}\r\n";
        var inputs = IngestInputs.Resolve(["-"], null, () => new StringReader(text));

        var result = await new IngestRunner(table).IngestAsync(inputs);

        Assert.Equal("standard input", Assert.Single(inputs).Name);
        Assert.Equal(2, result.RowsWritten);
        var file = Assert.Single((await table.StateStore.GetStateAsync()).Files.Values);
        Assert.Equal(["{a, 1, y}", "{b, 2, x}"], (await ReadFileAsync(table, file.Filename)).Select(r => r.ToString()));
    }

    [Fact]
    public async Task Inputs_from_a_folder_are_found_recursively_with_formats_from_their_extensions()
    {
        var table = await TableAsync(IngestRunner.OneReferencePerLeaf, 1000, "m");
        var folder = Path.Combine(_temp.Path, "inputs");
        Directory.CreateDirectory(Path.Combine(folder, "sub", "deeper"));
        File.WriteAllText(Path.Combine(folder, "a.jsonl"), "{\"key\":\"a\",\"timestamp\":1,\"value\":\"json\"}\n");
        File.WriteAllText(Path.Combine(folder, "sub", "b.CSV"), "value,timestamp,key\ncsv,2,b\n");
        File.WriteAllText(Path.Combine(folder, "sub", "c.ndjson"), "{\"key\":\"c\",\"timestamp\":3,\"value\":\"ndjson\"}\n");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not rows");
        File.WriteAllText(Path.Combine(folder, "sub", ".hidden.jsonl"), "not rows either");
        var parquet = Path.Combine(folder, "sub", "deeper", "d.parquet");
        using (var writer = new SortedParquetWriter(parquet, ParquetWriteSettings.Defaults(Schema)))
        {
            var builder = new RecordBatchBuilder(Schema);
            builder.Append(new Row(["z", 4L, "parquet"]));
            builder.Append(new Row(["d", 4L, "parquet"]));
            writer.Write(builder.Build());
            await writer.CommitAsync();
        }

        var inputs = IngestInputs.Resolve([folder], null);

        Assert.Equal(
            [("a.jsonl", typeof(JsonLinesInput)), ("b.CSV", typeof(CsvInput)), ("c.ndjson", typeof(JsonLinesInput)), ("d.parquet", typeof(ParquetInput))],
            inputs.Select(i => (Path.GetFileName(i.Name), i.GetType())));
        var result = await new IngestRunner(table).IngestAsync(inputs);
        Assert.Equal(5, result.RowsWritten);
        Assert.Equal(5, (await table.StateStore.GetStateAsync()).AllReferences().Sum(r => r.NumberOfRows));

        var forced = IngestInputs.Resolve([Path.Combine(folder, "notes.txt")], "csv");
        Assert.IsType<CsvInput>(Assert.Single(forced));
        var unknown = Assert.ThrowsAny<SleeperException>(() => IngestInputs.Resolve([Path.Combine(folder, "notes.txt")], null));
        Assert.Contains("notes.txt", unknown.Message);
        var empty = Directory.CreateDirectory(Path.Combine(_temp.Path, "empty")).FullName;
        Assert.Contains(empty, Assert.ThrowsAny<SleeperException>(() => IngestInputs.Resolve([empty], null)).Message);
    }

    [Fact]
    public async Task A_parquet_input_is_gathered_into_batches_of_the_ingest_batch_size_whatever_its_row_groups()
    {
        var table = await TableAsync(IngestRunner.OneReferencePerLeaf, 400, "m");
        // A one-byte budget spills each sorted batch as a run of its own when the next arrives, so the runs show
        // the batch sizes: 400, 400 spilled, and the last 200 merged from memory.
        table.Properties.Set(TableProperty.IngestMemoryBytes.Name, "1");
        var parquet = Path.Combine(_temp.Path, "many-groups.parquet");
        var rows = RandomRows(1000, seed: 5);
        var settings = ParquetWriteSettings.Defaults(Schema) with { RowGroupRowsMax = 30 };
        using (var writer = new SortedParquetWriter(parquet, settings))
        {
            var builder = new RecordBatchBuilder(Schema);
            foreach (var row in rows)
            {
                builder.Append(row);
            }
            using var unsorted = builder.Build();
            using var sorted = BatchTake.Take(unsorted, BatchSorter.SortPermutation(unsorted, Schema));
            writer.Write(sorted);
            await writer.CommitAsync();
        }

        var result = await new IngestRunner(table).IngestAsync([new ParquetInput(parquet)]);

        Assert.Equal(1000, result.RowsWritten);
        Assert.Equal(2, result.Statistics!.SpilledRuns);
        Assert.Equal(1000, (await table.StateStore.GetStateAsync()).AllReferences().Sum(r => r.NumberOfRows));
    }

    [Fact]
    public async Task Ingesting_nothing_commits_nothing()
    {
        var table = await TableAsync(IngestRunner.OneFilePerLeaf, 10, "g");
        var before = await TableSnapshot.TakeAsync(table);

        var result = await new IngestRunner(table).IngestAsync([new JsonLinesInput("empty", () => new StringReader("\n\n"))]);

        Assert.Equal(0, result.RowsWritten);
        var after = await TableSnapshot.TakeAsync(table);
        Assert.Equal(before.References, after.References);
        Assert.Equal(before.DataFiles, after.DataFiles);
        Assert.Empty((await table.StateStore.GetStateAsync()).Files);
    }
}
