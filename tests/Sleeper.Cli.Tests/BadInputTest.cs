namespace Sleeper.Cli.Tests;

/// <summary>Bad input gets a clear error, the right exit status, and leaves what is stored as it was.</summary>
public sealed class BadInputTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<string> TableWithRowsAsync()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
        return await ContentsAsync();
    }

    private async Task<string> ContentsAsync() =>
        (await _cli.OkAsync("query", "events", "--range", ",")).Output + (await _cli.OkAsync("status", "events", "--format", "json")).Output;

    private async Task AssertFailsAsync(int status, string[] mustMention, params string[] args)
    {
        var result = await _cli.RunAsync(args);
        Assert.True(status == result.Status, $"expected exit {status}, got {result.Status}; stderr: {result.Error}");
        foreach (var text in mustMention)
        {
            Assert.Contains(text, result.Error);
        }
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Theory]
    [InlineData("{\"rowKeyFields\":[{\"name\":\"k\",\"type\":\"FloatType\"}]}", "FloatType")]
    [InlineData("{\"rowKeyFields\":[{\"name\":\"k\",\"type\":\"StringType\",\"nullable\":true}]}", "'k'")]
    [InlineData("{\"rowKeyFields\":[]}", "row key")]
    [InlineData("{\"rowKeyFields\":[{\"name\":\"k\",\"type\":{\"ListType\":{\"elementType\":\"IntType\"}}}]}", "'k'")]
    [InlineData("not json", "not valid JSON")]
    public async Task A_malformed_schema_is_rejected_naming_what_is_wrong(string schema, string mention)
    {
        var before = await TableWithRowsAsync();
        var file = _cli.WriteFile("bad-schema.json", schema);
        await AssertFailsAsync(1, [mention], "table", "create", "other", "--schema", file);
        Assert.Equal(before, await ContentsAsync());
        Assert.DoesNotContain("other", (await _cli.OkAsync("table", "list", "--format", "json")).Output);
    }

    [Fact]
    public async Task Rows_with_a_missing_key_or_a_wrong_type_are_rejected_and_nothing_is_committed()
    {
        var before = await TableWithRowsAsync();
        var good = string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"key\":\"g{i}\",\"timestamp\":{i},\"value\":\"v\"}}\n"));
        var missingKey = _cli.WriteFile("missing.jsonl", good + "{\"timestamp\":1,\"value\":\"x\"}\n");
        await AssertFailsAsync(1, ["missing.jsonl line 501", "'key'"], "ingest", "events", missingKey);
        var nullKey = _cli.WriteFile("null.jsonl", "{\"key\":null,\"timestamp\":1,\"value\":\"x\"}\n");
        await AssertFailsAsync(1, ["'key'"], "ingest", "events", nullKey);
        var wrongType = _cli.WriteFile("wrong.jsonl", "{\"key\":\"a\",\"timestamp\":\"yesterday\",\"value\":\"x\"}\n");
        await AssertFailsAsync(1, ["'timestamp'", "LongType"], "ingest", "events", wrongType);
        var badCsv = _cli.WriteFile("bad.csv", "key,timestamp,color\na,1,red\n");
        await AssertFailsAsync(1, ["bad.csv", "'color'"], "ingest", "events", badCsv);
        var notParquet = _cli.WriteFile("fake.parquet", "this is not parquet");
        await AssertFailsAsync(1, ["fake.parquet"], "ingest", "events", notParquet);
        Assert.Equal(before, await ContentsAsync());
    }

    [Fact]
    public async Task Unknown_tables_existing_tables_and_missing_paths_are_errors()
    {
        var before = await TableWithRowsAsync();
        await AssertFailsAsync(1, ["'nope'", "does not exist"], "query", "nope", "--key", "a");
        await AssertFailsAsync(1, ["'nope'"], "ingest", "nope", CliRunner.Example("rows.jsonl"));
        await AssertFailsAsync(1, ["'events'", "already exists"], "table", "create", "events", "--schema", CliRunner.Example("schema.json"));
        await AssertFailsAsync(1, ["/no/such/file.jsonl"], "ingest", "events", "/no/such/file.jsonl");
        await AssertFailsAsync(1, ["/no/such/schema.json"], "table", "create", "x", "--schema", "/no/such/schema.json");
        await AssertFailsAsync(1, ["../evil", "not a valid table name"], "table", "create", "../evil", "--schema", CliRunner.Example("schema.json"));
        await AssertFailsAsync(1, ["There is already a Sleeper instance"], "instance", "create");
        Assert.Equal(before, await ContentsAsync());
    }

    [Fact]
    public async Task Bad_properties_are_errors_naming_the_property()
    {
        var before = await TableWithRowsAsync();
        await AssertFailsAsync(1, ["sleeper.table.gc.delay.minutes", "banana"], "table", "properties", "events", "--set", "sleeper.table.gc.delay.minutes=banana");
        await AssertFailsAsync(1, ["sleeper.table.no.such.thing"], "table", "properties", "events", "--set", "sleeper.table.no.such.thing=1");
        await AssertFailsAsync(1, ["sleeper.table.parquet.compression.codec"], "table", "create", "x", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.parquet.compression.codec=zip");
        await AssertFailsAsync(1, ["Did you mean 'sleeper.table.gc.delay.minutes'"], "table", "properties", "events", "--set", "sleeper.table.gc.delay.minute=3");
        Assert.Equal(before, await ContentsAsync());
        Assert.Equal("15", System.Text.Json.Nodes.JsonNode.Parse((await _cli.OkAsync("table", "properties", "events", "--format", "json")).Output)!["sleeper.table.gc.delay.minutes"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_split_point_files_are_rejected_naming_the_line()
    {
        await _cli.OkAsync("instance", "create");
        var unsorted = _cli.WriteFile("unsorted.txt", "m\nc\n");
        await AssertFailsAsync(1, ["unsorted.txt line 2", "increasing"], "table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", unsorted);
        var schema = _cli.WriteFile("long.json", "{\"rowKeyFields\":[{\"name\":\"id\",\"type\":\"LongType\"}]}");
        var wrongType = _cli.WriteFile("words.txt", "10\ntwenty\n");
        await AssertFailsAsync(1, ["words.txt line 2", "not a long"], "table", "create", "t", "--schema", schema, "--split-points", wrongType);
        Assert.Empty(System.Text.Json.Nodes.JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray());
    }

    [Theory]
    [InlineData("StringType", "b\nd\nd\nm\n", false, "line 3", "duplicates")]
    [InlineData("LongType", "10\n20\n20\n", false, "line 3", "duplicates")]
    [InlineData("IntType", "1\n2\n\n3\n", false, "line 3", "blank")]
    [InlineData("StringType", "b\n\nm\n", false, "line 2", "blank")]
    [InlineData("IntType", "5\n3.5\n", false, "line 2", "not an int")]
    [InlineData("IntType", "5\n-3\n", false, "line 2", "increasing")]
    [InlineData("ByteArrayType", "AQ==\n*not base64*\n", false, "line 2", "not base64")]
    [InlineData("StringType", "YQ==\nYg\n", true, "line 2", "not base64")]
    [InlineData("IntType", "-2147483648\n", false, "line 1", "smallest")]
    public async Task Each_kind_of_bad_split_point_file_is_rejected_and_no_table_is_created(string keyType, string splits, bool base64, string line, string why)
    {
        await _cli.OkAsync("instance", "create");
        var schema = _cli.WriteFile("schema.json", $"{{\"rowKeyFields\":[{{\"name\":\"k\",\"type\":\"{keyType}\"}}]}}");
        var file = _cli.WriteFile("bad-splits.txt", splits);

        await AssertFailsAsync(1, [$"bad-splits.txt {line}", why], "table", "create", "t", "--schema", schema, "--split-points", file,
            "--property", $"sleeper.table.splits.base64.encoded={(base64 ? "true" : "false")}");

        Assert.Empty(System.Text.Json.Nodes.JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray());
    }

    [Fact]
    public async Task A_wrong_command_line_exits_with_status_2()
    {
        await TableWithRowsAsync();
        await AssertFailsAsync(2, [], "query", "events", "--no-such-option");
        await AssertFailsAsync(2, ["--range"], "query", "events", "--range", "abc");
        await AssertFailsAsync(2, ["at least one"], "query", "events");
        await AssertFailsAsync(2, ["'nofield'"], "query", "events", "--key", "a", "--fields", "nofield");
        await AssertFailsAsync(2, ["--region"], "query", "events", "--region", "{\"key\":[1]}");
        await AssertFailsAsync(2, [], "tabel", "list");
    }

    [Fact]
    public async Task A_missing_instance_is_explained()
    {
        await AssertFailsAsync(1, ["There is no Sleeper instance", "instance create"], "table", "list");
    }
}
