namespace Sleeper.Cli.Tests;

/// <summary>sleeper query NAME --query-file FILE reads Sleeper's query JSON and answers as the options would.</summary>
public sealed class QueryFileCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task CreateEventsAsync()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
    }

    [Fact]
    public async Task The_example_query_file_returns_what_the_same_region_and_fields_return()
    {
        await CreateEventsAsync();
        var fromFile = await _cli.OkAsync("query", "events", "--query-file", CliRunner.Example("query.json"));
        var fromOptions = await _cli.OkAsync("query", "events", "--region", """{"key":["bravo",true,"delta",true]}""", "--fields", "key,timestamp,value");
        Assert.NotEmpty(fromFile.Lines);
        Assert.Equal(fromOptions.Lines, fromFile.Lines);
        Assert.Equal("", fromFile.Error);
    }

    [Fact]
    public async Task A_query_on_standard_input_returns_what_the_same_keys_and_range_return()
    {
        await CreateEventsAsync();
        var json = """
            {"tableName": "events", "queryId": "q1",
             "keys": [{"key": "alpha"}, {"key": "delta"}],
             "resultsPublisherConfig": {"destination": "S3"}}
            """;
        var fromStdin = await _cli.RunWithInputAsync(json, "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.True(fromStdin.Status == 0, fromStdin.Error);
        var fromOptions = await _cli.OkAsync("query", "events", "--key", "alpha", "--key", "delta");
        Assert.Equal(3, fromStdin.Lines.Length);
        Assert.Equal(fromOptions.Lines, fromStdin.Lines);
        Assert.Single(fromStdin.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("resultsPublisherConfig is ignored", fromStdin.Error);

        var ranges = """{"tableName": "events", "ranges": [{"key": {"min": "b", "max": "d"}}]}""";
        var rangeFromStdin = await _cli.RunWithInputAsync(ranges, "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.True(rangeFromStdin.Status == 0, rangeFromStdin.Error);
        Assert.Equal((await _cli.OkAsync("query", "events", "--range", "b,d")).Lines, rangeFromStdin.Lines);
    }

    [Fact]
    public async Task Mistakes_in_a_query_file_are_usage_errors_that_say_what_is_wrong()
    {
        await CreateEventsAsync();
        var query = _cli.WriteFile("q.json", """{"tableName": "events", "keys": [{"key": "alpha"}]}""");

        var both = await _cli.RunAsync("query", "events", "--query-file", query, "--key", "alpha");
        Assert.Equal(2, both.Status);
        Assert.Contains("without --key, --range or --region", both.Error);

        var otherTable = await _cli.RunWithInputAsync("""{"tableName": "other", "keys": [{"key": "a"}]}""", "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.Equal(2, otherTable.Status);
        Assert.Contains("tableName is 'other' but the query is of table 'events'", otherTable.Error);

        var malformed = await _cli.RunWithInputAsync("{\"tableName\": \"events\",\n\"keys\": [", "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.Equal(2, malformed.Status);
        Assert.Contains("query file on standard input: not valid JSON at line 2", malformed.Error);

        var iterator = await _cli.RunWithInputAsync("""{"tableName": "events", "keys": [{"key": "a"}], "queryTimeIteratorClassName": "x.Y"}""",
            "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.NotEqual(0, iterator.Status);
        Assert.Contains("'x.Y'", iterator.Error);

        var missing = await _cli.RunAsync("query", "events", "--query-file", Path.Combine(_cli.Folder, "nowhere.json"));
        Assert.Equal(2, missing.Status);
        Assert.Contains("nowhere.json", missing.Error);
    }

    [Fact]
    public async Task A_query_file_naming_a_query_time_iterator_applies_it_the_same_before_and_after_compaction()
    {
        await CreateEventsAsync();
        await _cli.OkAsync("instance", "properties", "--set",
            $"sleeper.iterators.assembly.path={Path.Combine(AppContext.BaseDirectory, "iterators", "Sleeper.Compaction.Tests.Iterator.dll")}");
        await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
        var json = """
            {"tableName": "events", "ranges": [{"key": {"min": "a", "max": "z"}}],
             "queryTimeIteratorClassName": "Sleeper.Compaction.Tests.Iterator.KeepTimestampsDivisibleBy",
             "queryTimeIteratorConfig": "1000"}
            """;
        var all = (await _cli.OkAsync("query", "events", "--range", "a,z")).Lines;
        var expected = all.Where(line => System.Text.Json.Nodes.JsonNode.Parse(line)!["timestamp"]!.GetValue<long>() % 1000 == 0).ToArray();
        Assert.NotEmpty(expected);
        Assert.True(expected.Length < all.Length);

        var before = await _cli.RunWithInputAsync(json, "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.True(before.Status == 0, before.Error);
        Assert.Equal(expected, before.Lines);

        await _cli.OkAsync("compact", "events", "--all");
        var after = await _cli.RunWithInputAsync(json, "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.True(after.Status == 0, after.Error);
        Assert.Equal(expected, after.Lines);

        var wrongConfig = await _cli.RunWithInputAsync(json.Replace("\"1000\"", "\"zero\""), "query", "events", "--query-file", "-", "--instance", _cli.Instance);
        Assert.NotEqual(0, wrongConfig.Status);
        Assert.Contains("'zero' is not a positive divisor", wrongConfig.Error);
    }
}
