using System.Net;
using System.Text.Json.Nodes;
using Sleeper.Core.Files;
using Sleeper.Core.Jobs;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tracking;
using Sleeper.Reports;

namespace Sleeper.Server.Tests;

/// <summary>
/// The status endpoints over a real server: a table with two files committed by hand (12 rows in one
/// partition), one queued compaction message and one tracked query, and the reports as the server returns them
/// next to what Sleeper.Reports builds for the CLI.
/// </summary>
public sealed class StatusEndpointsTest : IAsyncLifetime
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private ServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync();
        var table = await _server.Instance.CreateTableAsync("t", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        await table.StateStore.CommitAsync(new AddFilesTransaction([new FileReference("a", PartitionsBuilder.RootId, 5), new FileReference("b", PartitionsBuilder.RootId, 7)]));
        await _server.Instance.Queue(QueueNames.Compaction).SendAsync("{}");
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await _server.Instance.QueryTracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Queued, time, TableName: "t", Destination: "Store"));
        await _server.Instance.QueryTracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Completed, time.AddSeconds(2), Rows: 12));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonNode> GetJsonAsync(string path, string user = "reader")
    {
        using var response = await _server.Client(user).GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!;
    }

    [Fact]
    public async Task A_tables_metrics_are_its_known_figures()
    {
        var metrics = await GetJsonAsync("/api/tables/t/status?report=metrics");
        Assert.Equal(
            """{"fileCount":2,"referenceCount":2,"rowCount":12,"partitionCount":1,"leafPartitionCount":1,"averageReferencesPerPartition":2,"maxReferencesPerPartition":2}""",
            metrics.ToJsonString());
    }

    [Theory]
    [InlineData("full")]
    [InlineData("partitions")]
    [InlineData("files")]
    [InlineData("compaction-jobs")]
    [InlineData("ingest-jobs")]
    [InlineData("ingest-batcher")]
    [InlineData("queries")]
    public async Task Each_table_report_is_the_json_the_cli_prints(string report)
    {
        var served = await GetJsonAsync($"/api/tables/t/status?report={report}");
        var cli = await StatusReports.BuildAsync(_server.Instance, report, ["t"], null, default);
        Assert.Equal(cli.ToJsonString(), served.ToJsonString());
    }

    [Fact]
    public async Task The_instance_status_has_queue_depths_dead_letters_and_every_tables_metrics()
    {
        var status = await GetJsonAsync("/api/status");
        Assert.Equal("""{"visible":1,"inFlight":0,"deadLetters":0}""", status["queues"]!["compaction"]!.ToJsonString());
        Assert.Equal("""{"visible":0,"inFlight":0,"deadLetters":0}""", status["queues"]!["ingest"]!.ToJsonString());
        Assert.Equal("[]", status["deadLetters"]!.ToJsonString());
        Assert.Equal(12, status["tables"]!["t"]!["metrics"]!["rowCount"]!.GetValue<long>());
        Assert.True(status["tables"]!["t"]!["online"]!.GetValue<bool>());
        var queues = await GetJsonAsync("/api/status?report=queues");
        Assert.Equal(status["queues"]!.ToJsonString(), queues.ToJsonString());
    }

    [Fact]
    public async Task A_tracked_query_is_returned_with_its_state_and_an_unknown_one_is_404()
    {
        var query = await GetJsonAsync("/api/queries/q1");
        Assert.Equal("COMPLETED", query["state"]!.GetValue<string>());
        Assert.Equal("t", query["tableName"]!.GetValue<string>());
        Assert.Equal(12, query["rowsReturned"]!.GetValue<long>());
        Assert.Equal("2026-01-02 03:04:05.000", query["queued"]!.GetValue<string>());
        Assert.Equal(2000.0, query["durationMs"]!.GetValue<double>());
        using var missing = await _server.Client("reader").GetAsync("/api/queries/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Mistakes_are_4xx_and_no_credential_is_401()
    {
        using var client = _server.Client("reader");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/tables/missing/status")).StatusCode);
        using var unknown = await client.GetAsync("/api/tables/t/status?report=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("nonsense", await unknown.Content.ReadAsStringAsync());
        using var anonymous = _server.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/queries/q1")).StatusCode);
    }
}
