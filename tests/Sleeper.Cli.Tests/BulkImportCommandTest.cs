using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

public sealed class BulkImportCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<List<string>> AllRowsAsync() => (await _cli.OkAsync("query", "t", "--range", ",")).Lines.ToList();

    private async Task<int> LeafCountAsync() =>
        JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "partitions", "--format", "json")).Output)!.AsArray()
            .Count(p => p!["isLeaf"]!.GetValue<bool>());

    [Fact]
    public async Task Bulk_import_pre_splits_a_new_table_and_every_generated_row_comes_back()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.bulk.import.min.leaf.partitions=4");
        var a = Path.Combine(_cli.Folder, "a.parquet");
        var b = Path.Combine(_cli.Folder, "b.parquet");
        await _cli.OkAsync("generate", "--schema", CliRunner.Example("schema.json"), "--rows", "3000", "--output", a, "--seed", "1");
        await _cli.OkAsync("generate", "--schema", CliRunner.Example("schema.json"), "--rows", "2000", "--output", b, "--seed", "2");

        var result = await _cli.OkAsync("bulk-import", "t", a, b);

        Assert.Contains("Bulk imported 5,000 rows into t: 4 file(s), pre-split from 1 to 4 leaf partitions", result.Output);
        Assert.Equal(4, await LeafCountAsync());
        var rows = await AllRowsAsync();
        Assert.Equal(5000, rows.Count);
        // The same files through plain ingest into a second table give the same rows, in the same order.
        await _cli.OkAsync("table", "create", "u", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "u", a, b);
        Assert.Equal((await _cli.OkAsync("query", "u", "--range", ",")).Lines.ToList(), rows);
    }

    [Fact]
    public async Task A_pre_split_reaches_the_minimum_or_says_the_input_has_too_few_keys()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.bulk.import.min.leaf.partitions=16");
        var many = Path.Combine(_cli.Folder, "many.parquet");
        await _cli.OkAsync("generate", "--schema", CliRunner.Example("schema.json"), "--rows", "5000", "--output", many, "--seed", "3");
        var result = await _cli.OkAsync("bulk-import", "t", many);
        Assert.True(await LeafCountAsync() >= 16, result.Output);
        Assert.DoesNotContain("too few distinct keys", result.Output);

        await _cli.OkAsync("table", "create", "few", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.bulk.import.min.leaf.partitions=16");
        var few = _cli.WriteFile("few.jsonl", string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"key\":\"k{i % 5}\",\"timestamp\":{i},\"value\":\"v\"}}\n")));
        result = await _cli.OkAsync("bulk-import", "few", few);
        Assert.Contains("fewer than sleeper.table.bulk.import.min.leaf.partitions=16, because the input has too few distinct keys", result.Output);
        // Five keys give five split points, so six leaves: the first holds the keys below k0, of which there are none.
        Assert.Contains("pre-split from 1 to 6 leaf partitions", result.Output);
    }

    [Fact]
    public async Task A_submitted_job_is_run_by_the_bulk_import_worker()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.bulk.import.min.leaf.partitions=2");
        var input = Path.Combine(_cli.Folder, "in.parquet");
        await _cli.OkAsync("generate", "--schema", CliRunner.Example("schema.json"), "--rows", "1000", "--output", input);

        var id = (await _cli.OkAsync("bulk-import", "submit", "t", input)).Output.Trim();
        Assert.True(Guid.TryParse(id, out _), $"'{id}' is not a job id");
        Assert.Empty(await AllRowsAsync());
        var worker = await _cli.OkAsync("worker", "bulk-import", "--idle-timeout", "0.2");

        Assert.Contains("1 job(s) run, 0 failed attempt(s), 1,000 rows imported", worker.Output);
        Assert.Equal(1000, (await AllRowsAsync()).Count);
        Assert.Equal(2, await LeafCountAsync());
        var job = Assert.Single(JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "bulk-import-jobs", "--format", "json")).Output)!.AsArray())!;
        Assert.Equal(id, job["jobId"]!.GetValue<string>());
        Assert.Equal("committed", job["state"]!.GetValue<string>());
        Assert.Equal(1000, job["rowsWritten"]!.GetValue<long>());
        Assert.Equal(input, job["files"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_input_fails_naming_it_and_imports_nothing()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        var missing = Path.Combine(_cli.Folder, "missing.parquet");

        var result = await _cli.RunAsync("bulk-import", "t", CliRunner.Example("rows.jsonl"), missing);

        Assert.Equal(1, result.Status);
        Assert.Contains(missing, result.Error);
        Assert.Empty(await AllRowsAsync());
        Assert.Equal(1, await LeafCountAsync());
    }
}
