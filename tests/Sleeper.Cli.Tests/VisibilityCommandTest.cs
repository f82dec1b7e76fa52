using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>A table with a visibility field from the command line: created with the property, ingested, queried with --auths.</summary>
public sealed class VisibilityCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Schema() => _cli.WriteFile("schema.json", """
        {"rowKeyFields":[{"name":"key","type":"StringType"}],
         "valueFields":[{"name":"value","type":"StringType"},{"name":"vis","type":"StringType","nullable":true},{"name":"n","type":"LongType"}]}
        """);

    private async Task CreateAsync()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "docs", "--schema", Schema(), "--property", "sleeper.table.visibility.field=vis");
        var rows = _cli.WriteFile("rows.jsonl", """
            {"key":"a","value":"public","vis":null,"n":1}
            {"key":"b","value":"empty","vis":"","n":2}
            {"key":"c","value":"red","vis":"RED","n":3}
            {"key":"d","value":"red and blue","vis":"RED&BLUE","n":4}
            {"key":"e","value":"spaced","vis":"\"top secret\"|RED","n":5}
            {"key":"f","value":"comma","vis":"\"a,b\"","n":6}
            """);
        await _cli.OkAsync("ingest", "docs", rows);
    }

    private async Task<string[]> ValuesAsync(params string[] args)
    {
        var result = await _cli.OkAsync(["query", "docs", "--range", ",", .. args]);
        return result.Lines.Select(l => JsonNode.Parse(l)!["value"]!.GetValue<string>()).ToArray();
    }

    [Fact]
    public async Task A_query_returns_only_the_rows_its_auths_satisfy()
    {
        await CreateAsync();

        Assert.Equal(["public", "empty"], await ValuesAsync());
        Assert.Equal(["public", "empty", "red", "spaced"], await ValuesAsync("--auths", "RED"));
        Assert.Equal(["public", "empty", "red", "red and blue", "spaced"], await ValuesAsync("--auths", "RED,BLUE"));
        Assert.Equal(["public", "empty", "spaced", "comma"], await ValuesAsync("--auths", "\"top secret\", \"a,b\""));
        // Asking for fields without the label filters all the same.
        Assert.Equal(["{\"value\":\"public\"}", "{\"value\":\"empty\"}"], (await _cli.OkAsync("query", "docs", "--range", ",", "--fields", "value")).Lines);
        Assert.Empty((await _cli.OkAsync("query", "docs", "--key", "d", "--auths", "RED")).Lines);
    }

    [Fact]
    public async Task Malformed_auths_are_a_usage_error_that_says_where()
    {
        await CreateAsync();

        var empty = await _cli.RunAsync("query", "docs", "--range", ",", "--auths", "RED,,BLUE");
        Assert.Equal(2, empty.Status);
        Assert.Contains("--auths: Authorisations 'RED,,BLUE' at character 5: an empty authorisation", empty.Error);
        Assert.Contains("at character 5", empty.Error);

        var unquoted = await _cli.RunAsync("query", "docs", "--range", ",", "--auths", "top secret");
        Assert.Equal(2, unquoted.Status);
        Assert.Contains("expected ',' between authorisations", unquoted.Error);
    }

    [Fact]
    public async Task Ingest_of_a_malformed_label_fails_naming_the_file_row_and_field_and_stores_nothing()
    {
        await CreateAsync();
        var bad = _cli.WriteFile("bad.jsonl", """
            {"key":"x","value":"fine","vis":"RED","n":1}
            {"key":"y","value":"mixed","vis":"RED&BLUE|GREEN","n":2}
            """);

        var result = await _cli.RunAsync("ingest", "docs", bad);

        Assert.NotEqual(0, result.Status);
        Assert.Contains("bad.jsonl: row 2 (row key key=y): field 'vis' is not a valid access expression", result.Error);
        Assert.Contains("without parentheses", result.Error);
        Assert.Equal(["public", "empty", "red", "red and blue", "spaced", "comma"], await ValuesAsync("--auths", "RED,BLUE,\"top secret\",\"a,b\""));
    }

    [Fact]
    public async Task An_ingest_job_with_a_malformed_label_fails_with_the_reason_and_commits_nothing()
    {
        await CreateAsync();
        var bad = _cli.WriteFile("bad-job.jsonl", """
            {"key":"x","value":"fine","vis":"RED","n":1}
            {"key":"y","value":"open paren","vis":"(RED","n":2}
            """);
        await _cli.OkAsync("ingest", "submit", "docs", bad);

        var worker = await _cli.RunAsync("worker", "ingest", "--idle-timeout", "0");

        Assert.Equal(1, worker.Status);
        var job = Assert.Single(JsonNode.Parse((await _cli.OkAsync("status", "docs", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray())!;
        Assert.Equal("failed", job["state"]!.GetValue<string>());
        Assert.Contains("bad-job.jsonl: row 2 (row key key=y): field 'vis' is not a valid access expression", job["failureReason"]!.GetValue<string>());
        Assert.Equal(6, (await ValuesAsync("--auths", "RED,BLUE,\"top secret\",\"a,b\"")).Length);
    }

    [Theory]
    [InlineData("sleeper.table.visibility.field=n", "field 'n' is LongType; the visibility field must be StringType")]
    [InlineData("sleeper.table.visibility.field=key", "field 'key' is a row key field")]
    [InlineData("sleeper.table.visibility.field=nope", "field 'nope' is not in the table's schema")]
    public async Task Table_create_rejects_a_visibility_field_that_is_not_a_string_value_field(string property, string problem)
    {
        await _cli.OkAsync("instance", "create");

        var result = await _cli.RunAsync("table", "create", "docs", "--schema", Schema(), "--property", property);

        Assert.NotEqual(0, result.Status);
        Assert.Contains("sleeper.table.visibility.field", result.Error);
        Assert.Contains(problem, result.Error);
    }

    [Fact]
    public async Task Aggregating_the_visibility_field_is_refused_at_table_create()
    {
        await _cli.OkAsync("instance", "create");

        var result = await _cli.RunAsync("table", "create", "docs", "--schema", Schema(),
            "--property", "sleeper.table.visibility.field=vis", "--property", "sleeper.table.aggregations=sum(n),max(vis)");

        Assert.NotEqual(0, result.Status);
        Assert.Contains("is the table's visibility field", result.Error);
    }
}
