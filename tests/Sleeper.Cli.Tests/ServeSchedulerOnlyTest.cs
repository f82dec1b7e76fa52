using System.Diagnostics;

namespace Sleeper.Cli.Tests;

/// <summary>
/// A real <c>sleeper serve --scheduler-only</c> process: its scheduler creates a compaction job on its own, its task
/// worker takes it, and SIGTERM mid-job stops the process cleanly with the job handed back to the queue.
/// <c>sleeper instance pause|resume</c> set and clear the flag every scheduler reads.
/// </summary>
public sealed class ServeSchedulerOnlyTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_scheduler_alone_creates_and_runs_a_job_and_a_stop_mid_job_hands_it_back()
    {
        var stall = Path.Combine(_cli.Folder, "stall");
        await File.WriteAllTextAsync(stall, "");
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("instance", "properties", "--set", "sleeper.compaction.job.creation.period.minutes=0.02",
            "--set", "sleeper.scheduler.task.creation.period.seconds=0.5",
            "--set", "sleeper.partition.splitting.period.minutes=0.02",
            "--set", $"sleeper.iterators.assembly.path={Path.Combine(AppContext.BaseDirectory, "iterators", "Sleeper.Compaction.Tests.Iterator.dll")}");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"),
            "--property", "sleeper.table.compaction.strategy.class=BasicCompactionStrategy", "--property", "sleeper.table.compaction.files.batch.size=2",
            "--property", "sleeper.table.iterator.class.name=StallWhileFileExists", "--property", $"sleeper.table.iterator.config={stall}");
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));

        using var serve = _cli.StartProcess("serve", "--scheduler-only");
        var output = serve.StandardOutput.ReadToEndAsync();
        var error = serve.StandardError.ReadToEndAsync();
        await WaitUntilAsync(async () => await _cli.SingleCompactionJobStateAsync("t") == "running", serve);
        using (var stop = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await stop.WaitForExitAsync();
        }
        File.Delete(stall);
        await serve.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(serve.ExitCode == 0, $"serve exited with {serve.ExitCode}: {await error}");
        Assert.Contains("Scheduler running over", await output);
        Assert.Contains("Started a Compaction task worker", await error);
        Assert.Contains("stopped for shutdown; its job, if any, went back to the queue", await error);
        // Handed back at the stop, not left claimed for the visibility timeout: the next worker runs it now.
        var worker = await _cli.OkAsync("worker", "compaction", "--idle-timeout", "0");
        Assert.Contains("1 job(s) run, 0 failed", worker.Output);
        Assert.Equal("committed", await _cli.SingleCompactionJobStateAsync("t"));
        Assert.Equal(14, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Length);
    }

    [Fact]
    public async Task Pause_and_resume_set_and_clear_the_instance_flag()
    {
        await _cli.OkAsync("instance", "create");
        Assert.Contains("Paused the scheduled work", (await _cli.OkAsync("instance", "pause")).Output);
        Assert.True(File.Exists(Path.Combine(_cli.Instance, "scheduler", "paused")));
        Assert.Contains("Resumed the scheduled work", (await _cli.OkAsync("instance", "resume")).Output);
        Assert.False(File.Exists(Path.Combine(_cli.Instance, "scheduler", "paused")));
        Assert.Contains("was not paused", (await _cli.OkAsync("instance", "resume")).Output);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!await condition())
        {
            Assert.False(process.HasExited, "serve ended before its job started.");
            Assert.True(DateTime.UtcNow < deadline, "The scheduler never started the job.");
            await Task.Delay(50);
        }
    }
}
