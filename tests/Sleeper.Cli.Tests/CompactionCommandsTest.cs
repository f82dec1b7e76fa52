using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

public sealed class CompactionCommandsTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Compact_all_leaves_one_file_per_leaf_keeps_every_row_and_gc_deletes_the_replaced_files()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"),
            "--property", "sleeper.table.gc.delay.minutes=0");
        for (var i = 0; i < 3; i++)
        {
            await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        }
        var before = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList();

        var compacted = await _cli.OkAsync("compact", "t", "--all");
        Assert.Contains("0 failed", compacted.Output);

        var after = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList();
        Assert.Equal(before, after);
        Assert.Equal(21, after.Count);
        var partitions = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "partitions", "--format", "json")).Output)!.AsArray();
        Assert.All(partitions.Where(p => p!["isLeaf"]!.GetValue<bool>()), p => Assert.True(p!["fileReferenceCount"]!.GetValue<int>() <= 1));

        var jobs = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "compaction-jobs", "--format", "json")).Output)!.AsArray();
        Assert.NotEmpty(jobs);
        Assert.All(jobs, j => Assert.Equal("committed", j!["state"]!.GetValue<string>()));
        Assert.Equal(21, jobs.Sum(j => j!["rowsWritten"]!.GetValue<long>()));
        var tasks = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "compaction-tasks", "--format", "json")).Output)!.AsArray();
        Assert.Equal(jobs.Count, Assert.Single(tasks)!["jobsRun"]!.GetValue<int>());

        var files = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!;
        Assert.Equal(3, files["readyForGc"]!.AsArray().Count);
        var gc = await _cli.OkAsync("gc", "t");
        Assert.Contains("Deleted 3 file(s)", gc.Output);
        files = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!;
        Assert.Empty(files["readyForGc"]!.AsArray());
        Assert.Equal(before, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList());
    }

    [Fact]
    public async Task Compact_by_the_default_strategy_waits_for_enough_files()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        for (var i = 0; i < 3; i++)
        {
            await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        }
        // Size ratio 3: three equal files are not enough (3 × 7 > 14), four are (3 × 7 ≤ 21).
        Assert.Contains("0 job(s) run", (await _cli.OkAsync("compact", "t")).Output);
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        Assert.Contains("1 job(s) run", (await _cli.OkAsync("compact", "t")).Output);
        Assert.Equal(28, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Length);
    }

    [Fact]
    public async Task Jobs_queued_by_one_process_are_run_by_a_worker_that_exits_when_idle()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var before = (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList();

        Assert.Contains("Queued 4 compaction job(s)", (await _cli.OkAsync("compact", "t", "--all", "--queue-only")).Output);
        var pending = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "compaction-jobs", "--format", "json")).Output)!.AsArray();
        Assert.All(pending, j => Assert.Equal("pending", j!["state"]!.GetValue<string>()));

        var worker = await _cli.OkAsync("worker", "compaction", "--idle-timeout", "0");
        Assert.Contains("4 job(s) run, 0 failed", worker.Output);
        Assert.Equal(before, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Order().ToList());
        var done = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "compaction-jobs", "--format", "json")).Output)!.AsArray();
        Assert.All(done, j => Assert.Equal("committed", j!["state"]!.GetValue<string>()));
        Assert.Equal(2, (await _cli.RunAsync("worker", "compaction", "--idle-timeout", "-1")).Status);
    }

    [Fact]
    public async Task A_compaction_worker_whose_every_job_failed_exits_non_zero_and_one_with_nothing_to_do_exits_zero()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        Assert.Contains("Queued 1 compaction job(s)", (await _cli.OkAsync("compact", "t", "--all", "--queue-only")).Output);
        // An input goes missing, so no attempt can succeed.
        var files = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!["files"]!.AsArray();
        var input = Path.Combine(_cli.Instance, files[0]!["filename"]!.GetValue<string>());
        File.Move(input, input + ".aside");

        var failing = await _cli.RunAsync("worker", "compaction", "--idle-timeout", "0");

        Assert.Equal(1, failing.Status);
        Assert.Contains("0 job(s) run, 3 failed attempt(s), 1 dead-lettered", failing.Output);
        var idle = await _cli.RunAsync("worker", "compaction", "--idle-timeout", "0");
        Assert.Equal(0, idle.Status);
        Assert.Contains("0 job(s) run, 0 failed", idle.Output);
    }

    [Fact]
    public async Task Table_check_reports_the_files_of_a_job_dead_lettered_unheard_as_stranded_and_repair_releases_them()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("compact", "t", "--all", "--queue-only");
        // As SQS does on its server: the job goes to the dead letters and no worker hears of it.
        var queue = Sleeper.Jobs.FileJobQueue.InInstance(_cli.Instance, "compaction", maxReceiveCount: 1);
        await queue.ReleaseAsync((await queue.ReceiveAsync(TimeSpan.FromMinutes(1)))!);
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromMinutes(1)));
        var letter = Assert.Single(await queue.GetDeadLettersAsync());
        var jobId = Sleeper.Core.Compaction.CompactionJobSerDe.FromJson(letter.Body).JobId;

        var check = await _cli.RunAsync("table", "check", "t", "--format", "json");
        var repair = await _cli.RunAsync("table", "check", "t", "--repair", "--format", "json");

        Assert.Equal(1, check.Status);
        var problems = JsonNode.Parse(check.Output)!["checks"]!.AsArray().SelectMany(c => c!["problems"]!.AsArray()).ToList();
        var stranded = Assert.Single(problems, p => p!["kind"]!.GetValue<string>() == "stranded-assignment")!;
        Assert.Equal(jobId, stranded["subject"]!.GetValue<string>());
        Assert.Contains("dead-lettered", stranded["detail"]!.GetValue<string>());
        Assert.Equal(0, repair.Status);
        var files = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!["files"]!.AsArray();
        Assert.All(files.SelectMany(f => f!["references"]!.AsArray()), r => Assert.Null(r!["jobId"]?.GetValue<string>()));
        Assert.Contains("1 job(s) run, 0 failed", (await _cli.OkAsync("compact", "t", "--all")).Output);
    }
}
