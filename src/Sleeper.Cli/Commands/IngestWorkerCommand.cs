using System.CommandLine;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Jobs;
using Sleeper.Scheduler;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper worker ingest [--idle-timeout SECONDS]: runs queued ingest jobs, then exits when idle.</summary>
public static class IngestWorkerCommand
{
    public static Command Build(CliContext context)
    {
        var idle = new Option<double>("--idle-timeout") { Description = "Seconds to wait for work before exiting", DefaultValueFactory = _ => 60 };
        var command = new Command("ingest", "Run ingest jobs from the instance's ingest queue") { idle };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var seconds = result.GetValue(idle);
            if (seconds < 0)
            {
                throw new UsageException("--idle-timeout must be zero or more seconds.");
            }
            var worker = TaskWorkers.Ingest(instance);
            context.Chatter($"Ingest worker {worker.TaskId} waiting for jobs (exits after {seconds:0.#} s idle)...");
            var outcome = await worker.RunAsync(TimeSpan.FromSeconds(seconds), new Progress<IngestJobResult>(r =>
                context.Chatter($"Job {r.JobId}: {r.RowsWritten:N0} rows into {r.TableName} in {r.FilesWritten} file(s), {r.RowsPerSecond:N0} rows/s")), cancel);
            context.Out.WriteLine($"Worker {outcome.TaskId}: {outcome.JobsRun} job(s) run, {outcome.JobsFailed} failed attempt(s){WorkerCommand.DeadLettered(outcome.JobsDeadLettered)}, {outcome.RowsWritten:N0} rows written");
            return WorkerCommand.ExitCode(outcome.JobsRun, outcome.JobsFailed, outcome.JobsDeadLettered);
        });
        return command;
    }
}
