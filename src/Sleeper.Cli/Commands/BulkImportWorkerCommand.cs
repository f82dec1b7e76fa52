using System.CommandLine;
using Sleeper.BulkImport;
using Sleeper.Core.Jobs;
using Sleeper.Jobs;
using Sleeper.Scheduler;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper worker bulk-import [--idle-timeout SECONDS]: runs queued bulk import jobs, then exits when idle.</summary>
public static class BulkImportWorkerCommand
{
    public static Command Build(CliContext context)
    {
        var idle = new Option<double>("--idle-timeout") { Description = "Seconds to wait for work before exiting", DefaultValueFactory = _ => 60 };
        var command = new Command("bulk-import", "Run bulk import jobs from the instance's bulk import queue") { idle };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var seconds = result.GetValue(idle);
            if (seconds < 0)
            {
                throw new UsageException("--idle-timeout must be zero or more seconds.");
            }
            var worker = TaskWorkers.BulkImport(instance);
            context.Chatter($"Bulk import worker {worker.TaskId} waiting for jobs (exits after {seconds:0.#} s idle)...");
            var outcome = await worker.RunAsync(TimeSpan.FromSeconds(seconds), new Progress<(Core.Ingest.BulkImportJob Job, BulkImportResult Result)>(r =>
                context.Chatter($"Job {r.Job.Id}: {r.Result.RowsWritten:N0} rows, {r.Result.FilesWritten} file(s), {r.Result.RowsPerSecond:N0} rows/s")), cancel);
            context.Out.WriteLine($"Worker {outcome.TaskId}: {outcome.JobsRun} job(s) run, {outcome.JobsFailed} failed attempt(s){WorkerCommand.DeadLettered(outcome.JobsDeadLettered)}, {outcome.RowsWritten:N0} rows imported");
            return WorkerCommand.ExitCode(outcome.JobsRun, outcome.JobsFailed, outcome.JobsDeadLettered);
        });
        return command;
    }
}
