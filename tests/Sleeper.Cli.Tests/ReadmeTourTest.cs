using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

public sealed class ReadmeTourTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_readme_tour_creates_ingests_and_queries_a_table()
    {
        await _cli.OkAsync("instance", "create");
        var created = await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        Assert.Contains("4 leaf partitions", created.Output);
        var ingested = await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
        Assert.Contains("Ingested 7 rows", ingested.Output);

        var alpha = await _cli.OkAsync("query", "events", "--key", "alpha");
        Assert.Equal(2, alpha.Lines.Length);
        var first = JsonNode.Parse(alpha.Lines[0])!;
        Assert.Equal("alpha", first["key"]!.GetValue<string>());
        Assert.Equal(1700000000000, first["timestamp"]!.GetValue<long>());
        Assert.Equal(1, first["tags"]!["colour"]!.GetValue<long>());
        Assert.Null(JsonNode.Parse(alpha.Lines[1])!["tags"]);

        var range = await _cli.OkAsync("query", "events", "--range", "b,d", "--fields", "key,value");
        Assert.Equal(["{\"key\":\"bravo\",\"value\":\"third\"}", "{\"key\":\"charlie\",\"value\":\"fourth\"}"], range.Lines);

        var region = await _cli.OkAsync("query", "events", "--region", "{\"key\":[\"a\",true,\"c\",false]}", "--format", "csv", "--fields", "key,timestamp");
        Assert.Equal(["key,timestamp", "alpha,1700000000000", "alpha,1700000000500", "bravo,1700000001000"], region.Lines);

        var everything = await _cli.OkAsync("query", "events", "--range", ",", "--fields", "key");
        Assert.Equal(["alpha", "alpha", "bravo", "charlie", "delta", "mike", "zulu"], everything.Lines.Select(l => JsonNode.Parse(l)!["key"]!.GetValue<string>()));

        var partitions = JsonNode.Parse((await _cli.OkAsync("status", "events", "--report", "partitions", "--format", "json")).Output)!.AsArray();
        Assert.Equal(7, partitions.Count);
        Assert.Equal(7, partitions.Where(p => p!["isLeaf"]!.GetValue<bool>()).Sum(p => p!["rowCount"]!.GetValue<long>()));
        foreach (var p in partitions)
        {
            Assert.NotNull(p!["region"]!["key"]);
            Assert.NotNull(p["childIds"]);
            Assert.NotNull(p["fileReferenceCount"]);
        }

        var files = JsonNode.Parse((await _cli.OkAsync("status", "events", "--report", "files", "--format", "json")).Output)!;
        Assert.Single(files["files"]!.AsArray());
        Assert.Empty(files["readyForGc"]!.AsArray());

        var tables = JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray();
        Assert.Equal("events", Assert.Single(tables)!["name"]!.GetValue<string>());
        Assert.True(tables[0]!["online"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_table_can_be_renamed_taken_offline_and_deleted()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t1", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "t1", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("table", "rename", "t1", "t2");
        Assert.Equal(1, (await _cli.RunAsync("query", "t1", "--key", "alpha")).Status);
        Assert.Equal(2, (await _cli.OkAsync("query", "t2", "--key", "alpha")).Lines.Length);

        await _cli.OkAsync("table", "offline", "t2");
        var offline = await _cli.RunAsync("query", "t2", "--key", "alpha");
        Assert.Equal(1, offline.Status);
        Assert.Contains("offline", offline.Error);
        Assert.False(JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)![0]!["online"]!.GetValue<bool>());
        await _cli.OkAsync("table", "online", "t2");
        await _cli.OkAsync("query", "t2", "--key", "alpha");

        await _cli.OkAsync("table", "delete", "t2");
        Assert.Empty(JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray());
        // What remains is the table index; hidden folders (writes being staged) are the store's, not a table's.
        Assert.Single(Directory.GetDirectories(_cli.Instance), d => !Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public async Task Table_and_instance_properties_can_be_shown_and_set()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.gc.delay.minutes=5");
        var shown = JsonNode.Parse((await _cli.OkAsync("table", "properties", "t", "--format", "json")).Output)!;
        Assert.Equal("5", shown["sleeper.table.gc.delay.minutes"]!.GetValue<string>());
        Assert.Equal("zstd", shown["sleeper.table.parquet.compression.codec"]!.GetValue<string>());
        await _cli.OkAsync("table", "properties", "t", "--set", "sleeper.table.partition.splitting.threshold=1000", "--format", "json");
        var after = JsonNode.Parse((await _cli.OkAsync("table", "properties", "t", "--format", "json")).Output)!;
        Assert.Equal("1000", after["sleeper.table.partition.splitting.threshold"]!.GetValue<string>());

        await _cli.OkAsync("instance", "properties", "--set", "sleeper.statestore.snapshot.every.transactions=10", "--format", "json");
        var instance = JsonNode.Parse((await _cli.OkAsync("instance", "properties", "--format", "json")).Output)!;
        Assert.Equal("10", instance["sleeper.statestore.snapshot.every.transactions"]!.GetValue<string>());
    }

    [Fact]
    public async Task Csv_and_parquet_files_and_folders_can_be_ingested()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        var folder = Path.Combine(_cli.Folder, "inputs", "nested");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "a.csv"), "value,key,timestamp,tags\n\"hello, world\",k1,5,\"{\"\"x\"\":1}\"\nplain,k2,6,\n");
        File.WriteAllText(Path.Combine(_cli.Folder, "inputs", "b.jsonl"), "{\"key\":\"k0\",\"timestamp\":1,\"value\":\"v\"}\n");
        var result = await _cli.OkAsync("ingest", "t", Path.Combine(_cli.Folder, "inputs"));
        Assert.Contains("Ingested 3 rows", result.Output);
        var rows = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["k0", "k1", "k2"], rows.Select(r => r["key"]!.GetValue<string>()));
        Assert.Equal("hello, world", rows[1]["value"]!.GetValue<string>());
        Assert.Equal(1, rows[1]["tags"]!["x"]!.GetValue<long>());
        Assert.Null(rows[2]["tags"]);
    }

    [Fact]
    public async Task Query_results_written_as_parquet_can_be_ingested_into_another_table()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "source", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        await _cli.OkAsync("ingest", "source", CliRunner.Example("rows.jsonl"));
        var file = Path.Combine(_cli.Folder, "out", "results.parquet");
        var written = await _cli.OkAsync("query", "source", "--range", "b,", "--format", "parquet", "--output", file);
        Assert.Contains("Wrote 5 row(s)", written.Output);
        await _cli.OkAsync("table", "create", "copy", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "copy", file);
        var original = (await _cli.OkAsync("query", "source", "--range", "b,")).Output;
        Assert.Equal(original, (await _cli.OkAsync("query", "copy", "--range", ",")).Output);
        Assert.Equal(2, (await _cli.RunAsync("query", "source", "--key", "a", "--output", file)).Status);
    }
}
