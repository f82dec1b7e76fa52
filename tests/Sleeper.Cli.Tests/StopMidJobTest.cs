using System.Diagnostics;

namespace Sleeper.Cli.Tests;

/// <summary>
/// Ctrl-C on a real <c>sleeper</c> process in the middle of a compaction job: the job goes back to the queue at
/// once, so the next worker runs it now rather than after the visibility timeout.
/// </summary>
public sealed class StopMidJobTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Ctrl_c_on_compact_mid_job_hands_the_job_back_so_the_next_worker_runs_it_at_once()
    {
        var stall = Path.Combine(_cli.Folder, "stall");
        await File.WriteAllTextAsync(stall, "");
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("instance", "properties", "--set",
            $"sleeper.iterators.assembly.path={Path.Combine(AppContext.BaseDirectory, "iterators", "Sleeper.Compaction.Tests.Iterator.dll")}");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"),
            "--property", "sleeper.table.iterator.class.name=StallWhileFileExists", "--property", $"sleeper.table.iterator.config={stall}");
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));

        using var compact = _cli.StartProcess("compact", "t", "--all");
        var error = compact.StandardError.ReadToEndAsync();
        await WaitUntilAsync(async () => await _cli.SingleCompactionJobStateAsync("t") == "running", compact);
        using (var interrupt = Process.Start("kill", ["-INT", compact.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }
        // The job now notices the stop at its next batch, as a real one does within moments.
        File.Delete(stall);
        await compact.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(1, compact.ExitCode);
        Assert.Contains("Cancelled.", await error);
        // The claim would have lasted two minutes; the job is back now.
        var worker = await _cli.RunAsync("worker", "compaction", "--idle-timeout", "0");
        Assert.Equal(0, worker.Status);
        Assert.Contains("1 job(s) run, 0 failed", worker.Output);
        Assert.Equal("committed", await _cli.SingleCompactionJobStateAsync("t"));
        Assert.Equal(14, (await _cli.OkAsync("query", "t", "--range", ",")).Lines.Length);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!await condition())
        {
            Assert.False(process.HasExited, "The command ended before its job started.");
            Assert.True(DateTime.UtcNow < deadline, "The job never started.");
            await Task.Delay(50);
        }
    }
}
