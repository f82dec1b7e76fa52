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

    [Theory]
    [InlineData("instance", "create")]
    [InlineData("table", "list")]
    public async Task A_location_of_an_unknown_scheme_is_refused_clearly_and_never_taken_for_a_local_folder(string command, string subcommand)
    {
        var bucket = "sleeper-test-" + Guid.NewGuid().ToString("N")[..8];
        var result = await _cli.RunWithoutInstanceAsync(command, subcommand, "--instance", $"gs://{bucket}/prefix");

        Assert.Equal(1, result.Status);
        Assert.Contains($"'gs://{bucket}/prefix' is not an instance location", result.Error);
        Assert.False(Directory.Exists(Path.Combine("gs:", bucket)), "a folder named after the URI was made");
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
    private string WriteBytes(string name, params byte[][] parts)
    {
        var path = Path.Combine(_cli.Folder, name);
        File.WriteAllBytes(path, parts.SelectMany(p => p).ToArray());
        return path;
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private async Task AssertNoTablesAsync() =>
        Assert.Empty(System.Text.Json.Nodes.JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray());

    [Fact]
    public async Task Invalid_utf8_in_a_split_points_file_is_rejected_naming_the_line_and_byte_offset_and_no_table_is_created()
    {
        await _cli.OkAsync("instance", "create");
        var file = WriteBytes("splits-latin1.txt", Utf8("b\n"), [(byte)'c', 0xE9, (byte)'\n'], Utf8("m\n"));
        await AssertFailsAsync(1, ["splits-latin1.txt line 2", "byte offset 3", "UTF-8"],
            "table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", file);
        await AssertNoTablesAsync();
    }

    [Fact]
    public async Task Invalid_utf8_in_a_schema_or_properties_file_is_rejected_and_no_table_is_created()
    {
        await _cli.OkAsync("instance", "create");
        var schema = WriteBytes("schema-latin1.json", Utf8("{\"rowKeyFields\":[{\"name\":\"k"), [0xE9], Utf8("\",\"type\":\"StringType\"}]}"));
        await AssertFailsAsync(1, ["schema-latin1.json line 1", "byte offset 27", "UTF-8"], "table", "create", "t", "--schema", schema);
        var properties = WriteBytes("latin1.properties", Utf8("sleeper.table.gc.delay.minutes=5\nsleeper.table.iterator.config="), [0xE9], Utf8("\n"));
        await AssertFailsAsync(1, ["latin1.properties line 2", "UTF-8"], "table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--properties", properties);
        await AssertNoTablesAsync();
    }

    [Fact]
    public async Task Invalid_utf8_in_ingest_and_bulk_import_inputs_is_rejected_and_the_table_is_unchanged()
    {
        var before = await TableWithRowsAsync();
        var jsonl = WriteBytes("latin1.jsonl", Utf8("{\"key\":\"ok\",\"timestamp\":1,\"value\":\"v\"}\n{\"key\":\"caf"), [0xE9], Utf8("\",\"timestamp\":2,\"value\":\"v\"}\n"));
        var csv = WriteBytes("latin1.csv", Utf8("key,timestamp,value,tags\nna"), [0xEF, 0x76], Utf8(",1,v,\n"));
        await AssertFailsAsync(1, ["latin1.jsonl line 2", "UTF-8"], "ingest", "events", jsonl);
        await AssertFailsAsync(1, ["latin1.csv line 2", "UTF-8"], "ingest", "events", csv);
        await AssertFailsAsync(1, ["latin1.jsonl line 2", "UTF-8"], "bulk-import", "events", jsonl);
        await AssertFailsAsync(1, ["latin1.csv line 2", "UTF-8"], "bulk-import", "events", csv);
        Assert.Equal(before, await ContentsAsync());
    }

    [Theory]
    [InlineData("sleeper.table.filters=ageOff(nope,10)", "'nope'")]
    [InlineData("sleeper.table.filters=ageOff(value,10)", "'value'")]
    [InlineData("sleeper.table.filters=ageOf(timestamp,10)", "ageOf")]
    [InlineData("sleeper.table.aggregations=sum(value)", "'value'")]
    [InlineData("sleeper.table.aggregations=sum(nope)", "'nope'")]
    [InlineData("sleeper.table.aggregations=max(key)", "'key'")]
    public async Task An_iterator_configuration_that_does_not_fit_the_schema_is_rejected_at_create_and_when_set(string assignment, string field)
    {
        var before = await TableWithRowsAsync();
        var property = assignment[..assignment.IndexOf('=')];
        await AssertFailsAsync(1, [property, field], "table", "create", "other", "--schema", CliRunner.Example("schema.json"), "--property", assignment);
        await AssertFailsAsync(1, [property, field], "table", "properties", "events", "--set", assignment);
        Assert.DoesNotContain("other", (await _cli.OkAsync("table", "list", "--format", "json")).Output);
        Assert.Equal(before, await ContentsAsync());
        // The table still answers queries and compacts: nothing bad was stored in its properties.
        var rows = (await _cli.OkAsync("query", "events", "--range", ",")).Output;
        await _cli.OkAsync("compact", "events", "--all");
        Assert.Equal(rows, (await _cli.OkAsync("query", "events", "--range", ",")).Output);
    }

    [Theory]
    [InlineData("zstd", "99")]
    [InlineData("zstd", "23")]
    [InlineData("gzip", "10")]
    [InlineData("brotli", "12")]
    public async Task A_compression_level_the_codec_does_not_have_is_rejected(string codec, string level)
    {
        var before = await TableWithRowsAsync();
        await AssertFailsAsync(1, ["sleeper.table.parquet.compression.level", level, codec], "table", "create", "other", "--schema", CliRunner.Example("schema.json"),
            "--property", $"sleeper.table.parquet.compression.codec={codec}", "--property", $"sleeper.table.parquet.compression.level={level}");
        await AssertFailsAsync(1, ["sleeper.table.parquet.compression.level", level, codec], "table", "properties", "events",
            "--set", $"sleeper.table.parquet.compression.codec={codec}", "--set", $"sleeper.table.parquet.compression.level={level}");
        Assert.Equal(before, await ContentsAsync());
    }

    [Theory]
    [InlineData("zstd", "22")]
    [InlineData("zstd", "1")]
    [InlineData("gzip", "9")]
    [InlineData("brotli", "11")]
    [InlineData("snappy", "3")]
    public async Task A_compression_level_the_codec_has_is_accepted_and_used(string codec, string level)
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"),
            "--property", $"sleeper.table.parquet.compression.codec={codec}", "--property", $"sleeper.table.parquet.compression.level={level}");
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        Assert.Contains("alpha", (await _cli.OkAsync("query", "t", "--key", "alpha")).Output);
    }

    [Theory]
    [InlineData("z,a", "greater")]
    [InlineData("b,b", "empty")]
    [InlineData("a,b,c", "MIN,MAX")]
    public async Task A_query_range_that_is_backwards_empty_or_has_three_bounds_is_a_usage_error(string range, string why)
    {
        await TableWithRowsAsync();
        await AssertFailsAsync(2, ["--range", range, why], "query", "events", "--range", range);
    }

    [Fact]
    public async Task A_query_region_whose_min_is_above_its_max_is_a_usage_error()
    {
        await TableWithRowsAsync();
        await AssertFailsAsync(2, ["--region", "'key'", "greater"], "query", "events", "--region", "{\"key\":[\"z\",true,\"a\",false]}");
        await AssertFailsAsync(2, ["--region", "'key'", "empty"], "query", "events", "--region", "{\"key\":[\"a\",false,\"a\",true]}");
        Assert.Contains("alpha", (await _cli.OkAsync("query", "events", "--region", "{\"key\":[\"alpha\",true,\"alpha\",true]}")).Output);
    }

    private static async Task<CliRunner.Result> RunElsewhereAsync(string instance, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext { Out = output, Error = error, Interactive = false, OutputIsTerminal = false };
        var status = await SleeperCli.RunAsync([.. args, "--instance", instance], context);
        return new CliRunner.Result(status, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Instance_create_under_a_file_says_the_file_is_not_a_folder()
    {
        var file = _cli.WriteFile("plain-file", "not a folder");
        var result = await RunElsewhereAsync(Path.Combine(file, "instance"), "instance", "create");
        Assert.Equal(1, result.Status);
        Assert.Contains($"'{file}' is a file, not a folder", result.Error);
        Assert.DoesNotContain("Could not find", result.Error);
    }

    [Fact]
    public async Task Instance_create_where_it_may_not_write_says_permission_was_denied()
    {
        // Even root may not make folders in /sys, so this holds whoever runs the tests.
        var place = "/sys/sleeper-test-" + Guid.NewGuid().ToString("N")[..8];
        var result = await RunElsewhereAsync(place, "instance", "create");
        Assert.Equal(1, result.Status);
        Assert.Contains("permission denied", result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(place, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("evil\n")]
    [InlineData("a\\b")]
    public async Task A_table_name_that_could_leave_the_instance_folder_is_rejected(string name)
    {
        await _cli.OkAsync("instance", "create");
        await AssertFailsAsync(1, ["not a valid table name"], "table", "create", name, "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("table", "create", "good", "--schema", CliRunner.Example("schema.json"));
        await AssertFailsAsync(1, ["not a valid table name"], "table", "rename", "good", name);
        await AssertFailsAsync(1, ["not a valid table name"], "query", name, "--key", "a");
        Assert.Equal(["good"], System.Text.Json.Nodes.JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(["good.json"], Directory.EnumerateFiles(Path.Combine(_cli.Instance, "tables")).Select(Path.GetFileName));
    }
}
