using System.CommandLine;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Jobs;

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
            var worker = new IngestWorker(
                instance.Queue(QueueNames.Ingest),
                instance.IngestTracker, (job, ct) => OpenTableAsync(instance, job, ct), instance.Time)
            {
                ScratchFolder = instance.Properties.Get(InstanceProperty.IngestScratchFolder),
                InputFiles = instance.InputFiles,
            };
            context.Chatter($"Ingest worker {worker.TaskId} waiting for jobs (exits after {seconds:0.#} s idle)...");
            var outcome = await worker.RunAsync(TimeSpan.FromSeconds(seconds), new Progress<IngestJobResult>(r =>
                context.Chatter($"Job {r.JobId}: {r.RowsWritten:N0} rows into {r.TableName} in {r.FilesWritten} file(s), {r.RowsPerSecond:N0} rows/s")), cancel);
            context.Out.WriteLine($"Worker {outcome.TaskId}: {outcome.JobsRun} job(s) run, {outcome.JobsFailed} failed attempt(s){WorkerCommand.DeadLettered(outcome.JobsDeadLettered)}, {outcome.RowsWritten:N0} rows written");
            return WorkerCommand.ExitCode(outcome.JobsRun, outcome.JobsFailed, outcome.JobsDeadLettered);
        });
        return command;
    }

    /// <summary>By id when the job gives one, so a table renamed since the job was queued is still found.</summary>
    public static Task<SleeperTable> OpenTableAsync(SleeperInstance instance, IngestJob job, CancellationToken cancellationToken) =>
        job.TableId is { } id ? instance.OpenTableByIdAsync(id, cancellationToken) : instance.OpenTableAsync(job.TableName!, cancellationToken: cancellationToken);
}
