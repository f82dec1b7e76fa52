using Sleeper.Core;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport.Tests;

public sealed class BulkImportRunnerTest : IDisposable
{
    private readonly TestTable _t = new();

    public void Dispose() => _t.Dispose();

    private BulkImportOptions Options(long? memoryBytes = null) => new() { ScratchRoot = _t.Scratch, MemoryBytes = memoryBytes, BatchRows = 700 };

    [Fact]
    public async Task Bulk_import_into_an_empty_table_pre_splits_to_the_minimum_and_every_row_comes_back_once()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 16);
        var rows = TestTable.Rows(9000, seed: 1);
        var files = new[]
        {
            _t.WriteParquet("a.parquet", rows[..4000]),
            _t.WriteParquet("b.parquet", rows[4000..7000]),
            _t.WriteParquet("c.parquet", rows[7000..]),
        };
        var reports = new List<BulkImportProgress>();

        var result = await new BulkImportRunner(table, Options()).ImportAsync(IngestInputs.Resolve(files, null), new SynchronousProgress(reports));

        var leaves = await table.StateStore.GetLeafPartitionsAsync();
        Assert.Equal(16, leaves.Count);
        Assert.Equal(1, result.LeafPartitionsBefore);
        Assert.Equal(15, result.PartitionsAddedByPreSplit);
        Assert.Equal(16, result.FilesWritten);
        Assert.Equal(rows.Count, result.RowsWritten);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
        // Even quantiles: no leaf holds more than a few times its fair share.
        Assert.All(result.References, r => Assert.InRange(r.NumberOfRows, 1, 3 * rows.Count / 16));
        Assert.Contains(reports, r => r.Stage == BulkImportStage.Sketching && r.RowsSketched == rows.Count);
        Assert.Contains(reports, r => r.Stage == BulkImportStage.Writing && r.LeavesWritten == 16);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_t.Scratch));
    }

    [Fact]
    public async Task Bulk_import_into_a_table_with_enough_leaves_does_not_split_it()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 3, splitPoints: ["g", "p", "w"]);
        var before = await table.StateStore.GetAllPartitionsAsync();
        var rows = TestTable.Rows(3000, seed: 2);

        var result = await new BulkImportRunner(table, Options()).ImportAsync(IngestInputs.Resolve([_t.WriteParquet("in.parquet", rows)], null));

        Assert.Equal(before.OrderBy(p => p.Id), (await table.StateStore.GetAllPartitionsAsync()).OrderBy(p => p.Id));
        Assert.Equal(0, result.PartitionsAddedByPreSplit);
        Assert.Equal(4, result.FilesWritten);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    [Fact]
    public async Task A_table_with_a_few_leaves_has_each_leaf_split_until_the_minimum_is_reached()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 8, splitPoints: ["m"]);
        var rows = TestTable.Rows(4000, seed: 3);

        var result = await new BulkImportRunner(table, Options()).ImportAsync(IngestInputs.Resolve([_t.WriteParquet("in.parquet", rows)], null));

        Assert.Equal(2, result.LeafPartitionsBefore);
        Assert.InRange(result.LeafPartitions, 8, 9);
        Assert.Equal(result.LeafPartitions, (await table.StateStore.GetLeafPartitionsAsync()).Count);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    [Fact]
    public async Task Rows_that_do_not_fit_in_memory_are_spilled_as_sorted_runs_and_merged_and_the_runs_are_deleted()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 4);
        var rows = TestTable.Rows(12000, seed: 4);

        var result = await new BulkImportRunner(table, Options(memoryBytes: 200_000))
            .ImportAsync(IngestInputs.Resolve([_t.WriteParquet("a.parquet", rows[..6000]), _t.WriteParquet("b.parquet", rows[6000..])], null));

        Assert.True(result.SpilledRuns > 4, $"only {result.SpilledRuns} runs spilled");
        Assert.Equal(4, result.FilesWritten);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_t.Scratch));
    }

    [Fact]
    public async Task Parquet_csv_and_json_lines_inputs_are_imported_together()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 4);
        var rows = TestTable.Rows(3000, seed: 5);
        var csv = "key,timestamp,value\n" + string.Concat(rows[1000..2000].Select(r => $"{r.Key},{r.Timestamp},{r.Value}\n"));
        var jsonl = string.Concat(rows[2000..].Select(r => $"{{\"key\":\"{r.Key}\",\"timestamp\":{r.Timestamp},\"value\":\"{r.Value}\"}}\n"));
        var inputs = IngestInputs.Resolve([_t.WriteParquet("a.parquet", rows[..1000]), _t.WriteText("b.csv", csv), _t.WriteText("c.jsonl", jsonl)], null);

        var result = await new BulkImportRunner(table, Options()).ImportAsync(inputs);

        Assert.Equal(4, (await table.StateStore.GetLeafPartitionsAsync()).Count);
        Assert.Equal(rows.Count, result.RowsWritten);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    [Fact]
    public async Task An_input_file_of_another_schema_fails_naming_it_and_leaves_the_table_unchanged()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 4);
        var good = _t.WriteParquet("good.parquet", TestTable.Rows(2000, seed: 6));
        // A Parquet file whose "value" column is missing.
        await using (var writer = new Sleeper.Parquet.SortedParquetWriter(Path.Combine(_t.Folder, "bad.parquet"),
            Sleeper.Parquet.ParquetWriteSettings.Defaults(new Core.Schema.TableSchema(
                [new Core.Schema.Field("key", Core.Schema.StringType.Instance)], [new Core.Schema.Field("timestamp", Core.Schema.LongType.Instance)], []))))
        {
            await writer.CommitAsync();
        }
        var bad = Path.Combine(_t.Folder, "bad.parquet");

        var error = await Assert.ThrowsAnyAsync<SleeperException>(() =>
            new BulkImportRunner(table, Options()).ImportAsync(IngestInputs.Resolve([good, bad], null)));

        Assert.Contains(bad, error.Message);
        Assert.Contains("value", error.Message);
        await AssertUnchangedAsync(table, leaves: 1);
    }

    [Fact]
    public async Task A_bad_row_found_while_importing_fails_naming_the_file_and_deletes_every_file_and_run_written()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 2, splitPoints: ["m"]);
        var rows = TestTable.Rows(8000, seed: 7);
        var csv = "key,timestamp,value\n" + string.Concat(rows[..500].Select(r => $"{r.Key},{r.Timestamp},{r.Value}\n")) + "k,not-a-number,v\n";
        var inputs = IngestInputs.Resolve([_t.WriteParquet("a.parquet", rows[500..]), _t.WriteText("bad.csv", csv)], null);

        var error = await Assert.ThrowsAnyAsync<SleeperException>(() => new BulkImportRunner(table, Options(memoryBytes: 100_000)).ImportAsync(inputs));

        Assert.Contains("bad.csv", error.Message);
        Assert.Contains("timestamp", error.Message);
        await AssertUnchangedAsync(table, leaves: 2);
    }

    [Fact]
    public async Task An_empty_input_imports_nothing_and_does_not_split_the_table()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 4);

        var result = await new BulkImportRunner(table, Options()).ImportAsync(IngestInputs.Resolve([_t.WriteParquet("empty.parquet", [])], null));

        Assert.Equal(0, result.RowsWritten);
        Assert.Equal(0, result.FilesWritten);
        await AssertUnchangedAsync(table, leaves: 1);
    }

    private async Task AssertUnchangedAsync(SleeperTable table, int leaves)
    {
        var state = await table.StateStore.GetStateAsync();
        Assert.Empty(state.Files);
        Assert.Equal(leaves, state.PartitionTree().Leaves.Count);
        Assert.Empty(TestTable.DataFilesOnDisk(table));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_t.Scratch));
    }

    /// <summary>Records reports on the reporting thread, so none is still in flight when the import returns.</summary>
    private sealed class SynchronousProgress(List<BulkImportProgress> reports) : IProgress<BulkImportProgress>
    {
        public void Report(BulkImportProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
