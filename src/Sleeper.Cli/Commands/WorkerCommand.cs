using System.CommandLine;
using Sleeper.Compaction;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Jobs;
using Sleeper.Scheduler;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper worker compaction [--idle-timeout SECONDS]: a stateless worker that runs queued jobs, then exits when idle.</summary>
public static class WorkerCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("worker", "Run queued jobs until the queue has been empty for the idle timeout");
        var idle = new Option<double>("--idle-timeout") { Description = "Seconds to wait for work before exiting", DefaultValueFactory = _ => 60 };
        var compaction = new Command("compaction", "Run compaction jobs from the instance's compaction queue") { idle };
        compaction.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var seconds = result.GetValue(idle);
            if (seconds < 0)
            {
                throw new UsageException("--idle-timeout must be zero or more seconds.");
            }
            var worker = TaskWorkers.Compaction(instance);
            context.Chatter($"Compaction worker {worker.TaskId} waiting for jobs (exits after {seconds:0.#} s idle)...");
            var outcome = await worker.RunAsync(TimeSpan.FromSeconds(seconds), new Progress<CompactionResult>(r =>
                context.Chatter($"Job {r.JobId}: {r.RowsRead:N0} rows read, {r.RowsWritten:N0} written, {r.RowsReadPerSecond:N0} rows/s")), cancel);
            context.Out.WriteLine($"Worker {outcome.TaskId}: {outcome.JobsRun} job(s) run, {outcome.JobsFailed} failed attempt(s){DeadLettered(outcome.JobsDeadLettered)}, {outcome.RowsRead:N0} rows read, {outcome.RowsWritten:N0} written");
            return ExitCode(outcome.JobsRun, outcome.JobsFailed, outcome.JobsDeadLettered);
        });
        command.Subcommands.Add(compaction);
        command.Subcommands.Add(IngestWorkerCommand.Build(context));
        command.Subcommands.Add(BulkImportWorkerCommand.Build(context));
        command.Subcommands.Add(SplitCommand.BuildWorker(context));
        command.Subcommands.Add(QueryWorkerCommand.Build(context));
        return command;
    }

    /// <summary>
    /// 1 when the worker took work and none of it succeeded (every attempt failed or went to the dead letters), so a
    /// script sees the failure without reading the reports; 0 otherwise, an idle worker included. See docs/cli.md.
    /// </summary>
    public static int ExitCode(int jobsRun, int jobsFailed, int jobsDeadLettered) =>
        new WorkerTaskTotals(jobsRun, jobsFailed, 0, 0, jobsDeadLettered).NothingSucceeded ? 1 : 0;

    /// <summary>", N dead-lettered" when the worker moved any job to the dead letters.</summary>
    public static string DeadLettered(int jobsDeadLettered) => jobsDeadLettered > 0 ? $", {jobsDeadLettered} dead-lettered" : "";
}
