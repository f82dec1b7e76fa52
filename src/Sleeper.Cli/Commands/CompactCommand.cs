using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sleeper.Cli.Output;
using Sleeper.Compaction;
using Sleeper.Core.Compaction;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Jobs;
using Spectre.Console;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper compact NAME [--all]: create compaction jobs and run them to the end in this process.</summary>
public static class CompactCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var all = new Option<bool>("--all") { Description = "Compact every leaf partition holding more than one file into one, whatever the strategy says" };
        var queueOnly = new Option<bool>("--queue-only") { Description = "Only create and queue the jobs, for 'sleeper worker compaction' processes to run" };
        var command = new Command("compact", "Create compaction jobs by the table's strategy and run them to the end in this process") { name, all, queueOnly };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, requireOnline: true, cancellationToken: cancel);
            var strategy = result.GetValue(all) ? new ForcedCompactionStrategy() : CompactionStrategies.For(table.Properties);
            var watch = Stopwatch.StartNew();
            var queue = instance.Queue(QueueNames.Compaction);
            var tracker = instance.CompactionTracker;
            var dispatched = await new CompactionJobDispatcher(queue, tracker, instance.Time).CreateJobsAsync(table, strategy, cancel);
            var jobs = dispatched.Jobs;
            if (dispatched.Stranded.Count > 0)
            {
                context.Chatter($"Found {dispatched.Stranded.Count} stranded compaction job(s) in {table.Name}: sent {dispatched.Resent} again, released the files of {dispatched.Released}.");
            }
            context.Chatter($"Created {jobs.Count} compaction job(s) for {table.Name} with {strategy.GetType().Name}.");
            if (result.GetValue(queueOnly))
            {
                context.Out.WriteLine($"Queued {jobs.Count} compaction job(s) for {table.Name}");
                return 0;
            }
            var worker = new CompactionWorker(queue, tracker, (id, ct) => instance.OpenTableByIdAsync(id, ct),
                new CompactionTask(instance.Time, IteratorLoader.FromInstanceProperties(instance.Properties)), instance.Time);
            CompactionWorkerResult outcome;
            if (context.Interactive && jobs.Count > 0)
            {
                outcome = null!;
                await Render.ConsoleFor(context.Error, terminal: true).Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var bar = progress.AddTask($"Compacting {jobs.Count} job(s)", maxValue: jobs.Count);
                        outcome = await worker.RunAsync(TimeSpan.Zero, new SyncProgress<CompactionResult>(_ => bar.Increment(1)), cancel);
                        bar.Value = bar.MaxValue;
                    });
            }
            else
            {
                outcome = await worker.RunAsync(TimeSpan.Zero, cancellationToken: cancel);
            }
            var seconds = watch.Elapsed.TotalSeconds;
            var state = await table.StateStore.GetStateAsync(cancel);
            var leaves = state.Partitions.Values.Where(p => p.IsLeaf).ToList();
            var refsPerLeaf = leaves.Select(l => state.AllReferences().Count(r => r.PartitionId == l.Id)).ToList();
            context.Out.WriteLine($"Compacted {table.Name}: {outcome.JobsRun} job(s) run, {outcome.JobsFailed} failed attempt(s){WorkerCommand.DeadLettered(outcome.JobsDeadLettered)}, " +
                $"{outcome.RowsRead.ToString("N0", CultureInfo.InvariantCulture)} rows read, {outcome.RowsWritten.ToString("N0", CultureInfo.InvariantCulture)} written " +
                $"in {seconds:F2} s ({outcome.RowsRead / Math.Max(seconds, 1e-9):N0} rows/s). " +
                $"Now {state.Files.Values.Count(f => f.References.Count > 0)} referenced file(s); at most {refsPerLeaf.DefaultIfEmpty(0).Max()} per leaf partition.");
            return WorkerCommand.ExitCode(outcome.JobsRun, outcome.JobsFailed, outcome.JobsDeadLettered);
        });
        return command;
    }

    /// <summary>Reports on the calling thread.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
