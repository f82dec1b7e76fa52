using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>
/// A query submitted with --queue as Sleeper's query JSON with a results destination runs end to end: submitted,
/// run by 'sleeper worker query', its results in the store, the tracker saying completed with the row count, and
/// 'sleeper query results' printing the same rows as the query run directly.
/// </summary>
public sealed class QueuedQueryCommandTest : IDisposable
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
    public async Task A_queued_query_file_is_run_by_the_worker_and_its_results_are_the_direct_query_rows()
    {
        await CreateEventsAsync();
        var query = _cli.WriteFile("q.json", """
            {"tableName": "events", "queryId": "my-query",
             "ranges": [{"key": {"min": "a", "max": "z"}}],
             "resultsPublisherConfig": {"destination": "S3", "bucket": "my-results"}}
            """);
        var submitted = await _cli.OkAsync("query", "events", "--query-file", query, "--queue");
        Assert.Equal("my-query", submitted.Output.Trim());
        Assert.Contains("resultsPublisherConfig.bucket", submitted.Error);

        var queued = JsonNode.Parse((await _cli.OkAsync("status", "--report", "queries", "--format", "json")).Output)!.AsArray();
        Assert.Equal("QUEUED", queued.Single()!["state"]!.GetValue<string>());

        var worker = await _cli.OkAsync("worker", "query", "--idle-timeout", "0.5", "--workers", "2");
        Assert.Contains("rows returned", worker.Output);

        var status = JsonNode.Parse((await _cli.OkAsync("status", "--report", "queries", "--query-id", "my-query", "--format", "json")).Output)!;
        Assert.Equal("COMPLETED", status["state"]!.GetValue<string>());
        var direct = await _cli.OkAsync("query", "events", "--range", "a,z");
        Assert.Equal(direct.Lines.Length, status["rowsReturned"]!.GetValue<long>());
        var subQueries = status["subQueries"]!.AsArray();
        Assert.True(subQueries.Count > 1, "the table has several leaves, so the query is split");
        Assert.All(subQueries, s => Assert.Equal("COMPLETED", s!["state"]!.GetValue<string>()));

        var files = await _cli.OkAsync("query", "results", "my-query", "--files");
        Assert.Equal(subQueries.Count, files.Lines.Length);
        Assert.All(files.Lines, f =>
        {
            Assert.StartsWith("query-results/my-query/", f);
            Assert.True(File.Exists(Path.Combine(_cli.Instance, f)), f);
        });
        var rows = await _cli.OkAsync("query", "results", "my-query");
        Assert.Equal(direct.Lines, rows.Lines);

        var table = await _cli.OkAsync("status", "--report", "queries");
        Assert.Contains("my-query", table.Output);
        Assert.Contains("COMPLETED", table.Output);
    }

    [Fact]
    public async Task A_queued_key_query_with_fields_returns_those_fields_and_an_unknown_destination_is_refused()
    {
        await CreateEventsAsync();
        var id = (await _cli.OkAsync("query", "events", "--key", "alpha", "--fields", "key,value", "--queue")).Output.Trim();
        await _cli.OkAsync("worker", "query", "--idle-timeout", "0.3");
        Assert.Equal((await _cli.OkAsync("query", "events", "--key", "alpha", "--fields", "key,value")).Lines,
            (await _cli.OkAsync("query", "results", id)).Lines);

        var sqs = await _cli.RunWithInputAsync("""{"tableName": "events", "keys": [{"key": "a"}], "resultsPublisherConfig": {"destination": "SQS"}}""",
            "query", "events", "--query-file", "-", "--queue", "--instance", _cli.Instance);
        Assert.Equal(2, sqs.Status);
        Assert.Contains("'SQS' is not available here", sqs.Error);

        var unknown = await _cli.RunAsync("query", "results", "no-such-query");
        Assert.NotEqual(0, unknown.Status);
        Assert.Contains("no-such-query", unknown.Error);
    }
}
