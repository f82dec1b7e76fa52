using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

public sealed class SplitCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task CreateTableAsync(long threshold)
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"),
            "--property", $"sleeper.table.partition.splitting.threshold={threshold}");
    }

    [Fact]
    public async Task Split_divides_a_leaf_over_the_threshold_at_its_median_and_prints_the_split()
    {
        await CreateTableAsync(10);
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var before = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.ToList();

        var json = JsonNode.Parse((await _cli.OkAsync("split", "t", "--format", "json")).Output)!;
        Assert.Equal("t", json["table"]!.GetValue<string>());
        Assert.Equal(10, json["threshold"]!.GetValue<long>());
        var split = Assert.Single(json["split"]!.AsArray())!;
        Assert.Equal("root", split["partitionId"]!.GetValue<string>());
        Assert.Equal("key", split["field"]!.GetValue<string>());
        // The keys sorted: alpha ×4, bravo ×2, charlie ×2, … : the median of the 14 is the 7th, charlie.
        Assert.Equal("charlie", split["splitValue"]!.GetValue<string>());
        Assert.Equal(14, split["rows"]!.GetValue<long>());
        var children = split["childIds"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Equal(2, children.Count);
        Assert.Empty(json["unsplittable"]!.AsArray());

        var partitions = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "partitions", "--format", "json")).Output)!.AsArray();
        Assert.Equal(3, partitions.Count);
        Assert.Equal(children.Order(), partitions.Where(p => p!["isLeaf"]!.GetValue<bool>()).Select(p => p!["id"]!.GetValue<string>()).Order());
        Assert.Equal(before, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.ToList());

        // The children have no files of their own until compaction moves the parent's down: nothing more to split.
        var again = await _cli.OkAsync("split", "t", "--format", "table");
        Assert.Contains("Split 0 partition(s) of t (threshold 10 rows)", again.Output);
        await _cli.OkAsync("compact", "t", "--all");
        Assert.Equal(before, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.ToList());
    }

    [Fact]
    public async Task Split_prints_each_split_as_a_table()
    {
        await CreateTableAsync(10);
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var text = (await _cli.OkAsync("split", "t", "--format", "table")).Output;
        Assert.Contains("Split 1 partition(s) of t (threshold 10 rows)", text);
        Assert.Contains("charlie", text);
        Assert.Contains("root", text);
    }

    [Fact]
    public async Task A_partition_whose_rows_share_one_key_is_reported_unsplittable_and_remembered()
    {
        await CreateTableAsync(10);
        var rows = _cli.WriteFile("same.jsonl", string.Concat(Enumerable.Range(0, 12).Select(i =>
            $"{{\"key\": \"hot\", \"timestamp\": {i}, \"value\": \"v{i}\", \"tags\": null}}\n")));
        await _cli.OkAsync("ingest", "t", rows);

        var first = JsonNode.Parse((await _cli.OkAsync("split", "t", "--format", "json")).Output)!;
        Assert.Empty(first["split"]!.AsArray());
        var found = Assert.Single(first["unsplittable"]!.AsArray())!;
        Assert.Equal("root", found["partitionId"]!.GetValue<string>());
        Assert.Contains("same key (key=hot)", found["reason"]!.GetValue<string>());
        Assert.False(found["foundBefore"]!.GetValue<bool>());

        var second = JsonNode.Parse((await _cli.OkAsync("split", "t", "--format", "json")).Output)!;
        Assert.True(Assert.Single(second["unsplittable"]!.AsArray())!["foundBefore"]!.GetValue<bool>());
        var text = (await _cli.OkAsync("split", "t", "--format", "table")).Output;
        Assert.Contains("Cannot split partition root (12 rows): all 12 rows sketched have the same key (key=hot)", text);
        Assert.Contains("tried again when its files change", text);
        var partitions = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "partitions", "--format", "json")).Output)!.AsArray();
        Assert.Single(partitions);
    }

    [Fact]
    public async Task Split_of_an_unknown_table_fails_with_status_1()
    {
        await _cli.OkAsync("instance", "create");
        var result = await _cli.RunAsync("split", "nope");
        Assert.Equal(1, result.Status);
        Assert.Contains("nope", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_splitting_worker_splits_every_online_table_and_exits_when_idle()
    {
        await CreateTableAsync(10);
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var result = await _cli.OkAsync("worker", "splitting", "--idle-timeout", "0");
        Assert.Contains("1 round(s), 1 partition(s) split", result.Output);
        Assert.Equal(3, JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "partitions", "--format", "json")).Output)!.AsArray().Count);
    }
}
