using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>sleeper ingest submit, sleeper worker ingest, and the ingest-jobs and dead-letters reports.</summary>
public sealed class IngestJobCommandsTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task CreateTableAsync()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
    }

    [Fact]
    public async Task A_submitted_job_is_run_by_an_ingest_worker_and_reported_as_committed()
    {
        await CreateTableAsync();
        var direct = await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var expected = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList();
        await _cli.OkAsync("table", "delete", "t");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        Assert.Contains("7 rows", direct.Output);

        var submitted = await _cli.OkAsync("ingest", "submit", "t", CliRunner.Example("rows.jsonl"));
        var jobId = Assert.Single(submitted.Lines).Trim();
        Assert.True(Guid.TryParse(jobId, out _), $"Expected a job id, got '{jobId}'.");
        var pending = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray();
        Assert.Equal("pending", Assert.Single(pending)!["state"]!.GetValue<string>());
        Assert.Empty((await _cli.OkAsync("query", "t", "--range", ",")).Lines);

        var worker = await _cli.OkAsync("worker", "ingest", "--idle-timeout", "0");
        Assert.Contains("1 job(s) run, 0 failed attempt(s), 7 rows written", worker.Output);

        Assert.Equal(expected, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList());
        var job = Assert.Single(JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray())!;
        Assert.Equal(jobId, job["jobId"]!.GetValue<string>());
        Assert.Equal("t", job["tableName"]!.GetValue<string>());
        Assert.Equal("committed", job["state"]!.GetValue<string>());
        Assert.Equal(7, job["rowsWritten"]!.GetValue<long>());
        Assert.Equal(1, job["inputFiles"]!.GetValue<int>());
        Assert.Equal(Path.GetFullPath(CliRunner.Example("rows.jsonl")), Assert.Single(job["files"]!.AsArray())!.GetValue<string>());
        foreach (var time in new[] { "created", "started", "finished", "committed" })
        {
            Assert.NotNull(job[time]);
        }
        Assert.Null(job["failureReason"]);
        var table = await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "table");
        // Piped, the table is wrapped to 80 columns; its cells are checked through the JSON form above.
        Assert.Contains("rows/s", table.Output);
        Assert.DoesNotContain("failure", table.Output);
        Assert.Empty(JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "dead-letters", "--format", "json")).Output)!.AsArray());
    }

    [Fact]
    public async Task A_job_with_a_file_that_does_not_match_the_schema_fails_leaves_the_table_unchanged_and_is_reported_as_a_dead_letter()
    {
        await CreateTableAsync();
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var before = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList();
        var files = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!.ToJsonString();
        var bad = _cli.WriteFile("wrong-columns.csv", "key,value,colour\nzz,v,red\n");
        var jobId = Assert.Single((await _cli.OkAsync("ingest", "submit", "t", CliRunner.Example("rows.jsonl"), bad)).Lines).Trim();

        var worker = await _cli.RunAsync("worker", "ingest", "--idle-timeout", "0");

        // Every job it took failed, so it says so in its exit status too.
        Assert.Equal(1, worker.Status);
        Assert.Contains("0 job(s) run, 3 failed attempt(s)", worker.Output);
        Assert.Equal(before, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList());
        Assert.Equal(files, JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!.ToJsonString());
        var job = Assert.Single(JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray())!;
        Assert.Equal(jobId, job["jobId"]!.GetValue<string>());
        Assert.Equal("failed", job["state"]!.GetValue<string>());
        Assert.Equal(3, job["attempts"]!.GetValue<int>());
        var reason = job["failureReason"]!.GetValue<string>();
        Assert.Contains("dead-lettered", reason);
        Assert.Contains("wrong-columns.csv", reason);
        Assert.Contains("'colour'", reason);

        var report = await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "table");
        Assert.Contains($"Job {jobId} (failed), last failure reason: {reason}", report.Output);

        var letter = Assert.Single(JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "dead-letters", "--format", "json")).Output)!.AsArray())!;
        Assert.Equal("ingest", letter["queue"]!.GetValue<string>());
        Assert.Equal(jobId, letter["jobId"]!.GetValue<string>());
        Assert.Equal("t", letter["tableName"]!.GetValue<string>());
        Assert.Equal(3, letter["receiveCount"]!.GetValue<int>());
        var everyTable = await _cli.OkAsync("status", "--report", "dead-letters", "--format", "table");
        Assert.Contains("ingest", everyTable.Output);
        Assert.Contains(" 3 ", everyTable.Output);
    }

    [Fact]
    public async Task Submit_rejects_a_missing_table_a_missing_file_and_standard_input_queueing_nothing()
    {
        await CreateTableAsync();
        var missingFile = Path.Combine(_cli.Folder, "nowhere.jsonl");

        var noTable = await _cli.RunAsync("ingest", "submit", "nosuch", CliRunner.Example("rows.jsonl"));
        var noFile = await _cli.RunAsync("ingest", "submit", "t", missingFile);
        var stdin = await _cli.RunAsync("ingest", "submit", "t", "-");
        var noPaths = await _cli.RunAsync("ingest", "submit", "t");
        var badIdle = await _cli.RunAsync("worker", "ingest", "--idle-timeout", "-1");

        Assert.Equal(1, noTable.Status);
        Assert.Contains("'nosuch'", noTable.Error);
        Assert.Equal(1, noFile.Status);
        Assert.Contains(missingFile, noFile.Error);
        Assert.Equal(2, stdin.Status);
        Assert.Contains("standard input", stdin.Error);
        Assert.Equal(2, noPaths.Status);
        Assert.Equal(2, badIdle.Status);
        Assert.Contains("0 job(s) run", (await _cli.OkAsync("worker", "ingest", "--idle-timeout", "0")).Output);
        Assert.Empty(JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray());
    }
}
