using System.Text.Json.Nodes;
using Sleeper.Postgres;
using Sleeper.TestSupport;

namespace Sleeper.Cli.Tests;

/// <summary>
/// A queued query end to end on an instance on services: the query queue and both trackers in PostgreSQL, the results
/// files in the bucket of the S3 server.
/// </summary>
public sealed class QueuedQueryServicesCliTest : IAsyncLifetime
{
    private readonly CliRunner _cli = new();
    private readonly string _bucket = "qq-" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync()
    {
        _cli.Instance = $"s3://{_bucket}/instance";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try
        {
            var shown = await _cli.RunAsync("instance", "properties", "--format", "json");
            var id = shown.Status == 0 ? JsonNode.Parse(shown.Output)?["sleeper.id"]?.GetValue<string>() : null;
            if (id is not null)
            {
                await using var database = new PostgresDatabase(LocalServers.PostgresUrl, $"sleeper_{id}");
                await database.DropSchemaAsync();
            }
        }
        finally
        {
            _cli.Dispose();
        }
    }

    [Fact]
    public async Task A_queued_query_file_runs_with_its_queue_and_trackers_in_PostgreSQL_and_its_results_in_S3()
    {
        await _cli.OkAsync("instance", "create", "--state-store", LocalServers.PostgresUrl, "--s3-endpoint", LocalServers.S3Endpoint.ToString());
        await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
        var query = _cli.WriteFile("q.json", """
            {"tableName": "events", "queryId": "on-services", "ranges": [{"key": {"min": "a", "max": "z"}}],
             "requestedValueFields": ["value"], "resultsPublisherConfig": {"destination": "S3"}}
            """);

        Assert.Equal("on-services", (await _cli.OkAsync("query", "events", "--query-file", query, "--queue")).Output.Trim());
        await _cli.OkAsync("worker", "query", "--idle-timeout", "1");

        var status = JsonNode.Parse((await _cli.OkAsync("status", "--report", "queries", "--query-id", "on-services", "--format", "json")).Output)!;
        Assert.Equal("COMPLETED", status["state"]!.GetValue<string>());
        var direct = await _cli.OkAsync("query", "events", "--query-file", query);
        Assert.Equal(direct.Lines.Length, status["rowsReturned"]!.GetValue<long>());
        Assert.Equal(direct.Lines, (await _cli.OkAsync("query", "results", "on-services")).Lines);
        Assert.All((await _cli.OkAsync("query", "results", "on-services", "--files")).Lines, f => Assert.StartsWith("query-results/on-services/", f));
    }
}
