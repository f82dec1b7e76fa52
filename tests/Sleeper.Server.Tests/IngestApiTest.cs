using System.Net;
using System.Text.Json;
using Sleeper.Cli;

namespace Sleeper.Server.Tests;

/// <summary>Files into a table through the API: jobs queued for the workers, and only from paths the server allows.</summary>
public sealed class IngestApiTest
{
    [Fact]
    public async Task An_ingest_job_submitted_over_the_API_is_run_by_a_worker_and_its_rows_are_queried()
    {
        using var inputs = new TempFolder();
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { IngestLocalFolders = [inputs.Path] } });
        await ApiTable.CreateAsync(server, rows: 0);
        var file = inputs.Combine("rows.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 12).Select(i => ApiTable.RowAt(i).ToJsonString()));
        using var writer = server.Client("writer");

        using var submitted = await writer.PostAsync("/api/tables/docs/ingest", ApiTable.Json(JsonSerializer.Serialize(new { files = new[] { file } })));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var jobId = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetString();
        Assert.False(string.IsNullOrEmpty(jobId));

        var output = new StringWriter();
        var context = new CliContext { Out = output, Error = new StringWriter(), Interactive = false, OutputIsTerminal = false };
        Assert.Equal(0, await SleeperCli.RunAsync(["worker", "ingest", "--idle-timeout", "1", "--instance", server.Instance.Root!], context));
        Assert.Contains("1 job(s) run", output.ToString());
        var expected = await ApiTable.CliQueryAsync(server, "--region", "{}", "--auths", "PUBLIC,RED,BLUE");
        Assert.Equal(12, expected.Length);
        using var queried = await server.Client("admin").PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}"""));
        Assert.Equal(expected, (await queried.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using var bulk = await writer.PostAsync("/api/tables/docs/bulk-import", ApiTable.Json(JsonSerializer.Serialize(new { files = new[] { file } })));
        Assert.Equal(HttpStatusCode.Accepted, bulk.StatusCode);
        using var batched = await writer.PostAsync("/api/tables/docs/batcher", ApiTable.Json(JsonSerializer.Serialize(new { files = new[] { file }, flush = true })));
        Assert.Equal(HttpStatusCode.Accepted, batched.StatusCode);
        var batcher = JsonDocument.Parse(await batched.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, batcher.GetProperty("filesAdded").GetInt32());
        Assert.Single(batcher.GetProperty("jobIds").EnumerateArray());
    }

    [Fact]
    public async Task Local_paths_outside_the_allowed_folders_relative_paths_and_missing_files_are_refused()
    {
        using var inputs = new TempFolder();
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { IngestLocalFolders = [inputs.Path] } });
        await ApiTable.CreateAsync(server, rows: 0);
        using var writer = server.Client("writer");
        async Task ExpectAsync(HttpStatusCode status, string endpoint, string path, string inError)
        {
            using var response = await writer.PostAsync($"/api/tables/docs/{endpoint}", ApiTable.Json(JsonSerializer.Serialize(new { files = new[] { path } })));
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(inError, (await ApiTable.ErrorOf(response)).GetProperty("error").GetString());
        }
        foreach (var endpoint in new[] { "ingest", "bulk-import", "batcher" })
        {
            await ExpectAsync(HttpStatusCode.Forbidden, endpoint, "/etc/passwd", "outside the local folders");
            await ExpectAsync(HttpStatusCode.Forbidden, endpoint, inputs.Path + "/../escape.jsonl", "outside the local folders");
            await ExpectAsync(HttpStatusCode.BadRequest, endpoint, "rows.jsonl", "absolute");
            await ExpectAsync(HttpStatusCode.BadRequest, endpoint, inputs.Combine("missing.jsonl"), "missing.jsonl");
        }
        using var empty = await writer.PostAsync("/api/tables/docs/ingest", ApiTable.Json("""{"files":[]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }
}
