using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>sleeper jobs retry: a dead-lettered ingest job, once its input is fixed, runs again under a new id and commits.</summary>
public sealed class JobsRetryCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_dead_lettered_ingest_job_retried_after_its_file_is_fixed_commits_under_a_new_id()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        var file = _cli.WriteFile("rows.csv", "key,timestamp,value,colour\nzz,1,v,red\n");
        var jobId = Assert.Single((await _cli.OkAsync("ingest", "submit", "t", file)).Lines).Trim();
        Assert.Equal(1, (await _cli.RunAsync("worker", "ingest", "--idle-timeout", "0")).Status);
        Assert.Single(JsonNode.Parse((await _cli.OkAsync("status", "--report", "dead-letters", "--format", "json")).Output)!.AsArray());
        _cli.WriteFile("rows.csv", "key,timestamp,value,tags\nzz,1,v,\n");

        var retried = Assert.Single(JsonNode.Parse((await _cli.OkAsync("jobs", "retry", "ingest", jobId, "--format", "json")).Output)!.AsArray())!;

        Assert.True(retried["retried"]!.GetValue<bool>());
        Assert.Equal(jobId, retried["jobId"]!.GetValue<string>());
        var newId = retried["newJobId"]!.GetValue<string>();
        Assert.NotEqual(jobId, newId);
        Assert.Empty(JsonNode.Parse((await _cli.OkAsync("status", "--report", "dead-letters", "--format", "json")).Output)!.AsArray());
        Assert.Equal(1, JsonNode.Parse((await _cli.OkAsync("status", "--report", "queues", "--format", "json")).Output)!["ingest"]!["visible"]!.GetValue<int>());
        await _cli.OkAsync("worker", "ingest", "--idle-timeout", "0");
        var jobs = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray();
        Assert.Equal("failed", jobs.Single(j => j!["jobId"]!.GetValue<string>() == jobId)!["state"]!.GetValue<string>());
        Assert.Equal("committed", jobs.Single(j => j!["jobId"]!.GetValue<string>() == newId)!["state"]!.GetValue<string>());
        Assert.Equal("1", JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "metrics", "--format", "json")).Output)!["rowCount"]!.ToJsonString());
        var table = await _cli.OkAsync("status", "t", "--report", "metrics", "--format", "table");
        Assert.Contains("avg references / partition", table.Output);
    }

    [Fact]
    public async Task Retry_needs_all_or_ids_and_an_unknown_id_fails_naming_it()
    {
        await _cli.OkAsync("instance", "create");

        Assert.Equal(2, (await _cli.RunAsync("jobs", "retry", "ingest")).Status);
        Assert.Equal(2, (await _cli.RunAsync("jobs", "retry", "splitting", "--all")).Status);
        var unknown = await _cli.RunAsync("jobs", "retry", "compaction", "job-x");
        Assert.Equal(1, unknown.Status);
        Assert.Contains("'job-x'", unknown.Error);
        Assert.Contains("no dead letters", (await _cli.OkAsync("jobs", "retry", "compaction", "--all", "--format", "table")).Output);
    }
}
