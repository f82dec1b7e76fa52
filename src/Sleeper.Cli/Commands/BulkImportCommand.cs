using System.CommandLine;
using System.Diagnostics;
using Sleeper.BulkImport;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Ingest.Input;
using Sleeper.Jobs;
using Spectre.Console;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper bulk-import NAME PATH... [--format ...] [--memory SIZE] [--threads N]: bulk import now, with every
/// core; sleeper bulk-import submit NAME PATH...: queue a bulk import job for <c>sleeper worker bulk-import</c>.
/// </summary>
public static class BulkImportCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders (read recursively)", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string?>("--format") { Description = "parquet, csv or jsonl (default: by extension)" };
        format.AcceptOnlyFromAmong(IngestInputs.Formats);
        var memory = new Option<string?>("--memory")
        {
            Description = "Rows held in memory before sorted runs spill to scratch files, e.g. 4G (default: the larger of sleeper.table.ingest.memory.bytes and a quarter of this process's memory)",
        };
        var threads = new Option<int?>("--threads") { Description = "Threads to read, sort and write on (default: one per core)" };
        var command = new Command("bulk-import", "Bulk import files now, with every core: pre-splits a table with too few leaves, sorts per leaf, writes a file per leaf, commits once")
        {
            name, paths, format, memory, threads,
        };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, requireOnline: true, cancellationToken: cancel);
            var options = new BulkImportOptions
            {
                MemoryBytes = result.GetValue(memory) is { } m
                    ? PropertyDefinition.ParseByteSize(m) is > 0 and var bytes ? bytes : throw new UsageException($"--memory '{m}' is not a size in bytes (a number, optionally followed by K, M, G or T).")
                    : null,
                Parallelism = result.GetValue(threads) is { } t ? t > 0 ? t : throw new UsageException("--threads must be at least 1.") : Environment.ProcessorCount,
                ScratchRoot = instance.Properties.Get(InstanceProperty.IngestScratchFolder),
            };
            if (result.GetValue(paths)!.Contains("-"))
            {
                throw new UsageException("Bulk import reads files, not standard input; use 'sleeper ingest' for a stream.");
            }
            var inputs = await IngestInputs.ResolveAsync(result.GetValue(paths)!, result.GetValue(format), instance.InputFiles, cancellationToken: cancel);
            var outcome = await WithProgress(context, progress => new BulkImportRunner(table, options).ImportAsync(inputs, progress, cancellationToken: cancel));
            var minLeaves = table.Properties.GetInt(TableProperty.BulkImportMinLeafPartitions);
            var split = outcome.PartitionsAddedByPreSplit > 0
                ? $"pre-split from {outcome.LeafPartitionsBefore} to {outcome.LeafPartitions} leaf partitions"
                : $"no pre-split ({outcome.LeafPartitions} leaf partitions; minimum {minLeaves})";
            if (outcome.LeafPartitions < minLeaves && outcome.RowsWritten > 0)
            {
                // The pre-split reaches the minimum whenever it can; short of it, the input ran out of keys.
                split += $"; fewer than {TableProperty.BulkImportMinLeafPartitions.Name}={minLeaves}, because the input has too few distinct keys to split further";
            }
            context.Out.WriteLine($"Bulk imported {outcome.RowsWritten:N0} rows into {table.Name}: {outcome.FilesWritten} file(s), {split}, " +
                $"{outcome.SpilledRuns} spilled run(s), in {outcome.Elapsed.TotalSeconds:F2} s ({outcome.RowsPerSecond:N0} rows/s)");
            context.Out.WriteLine($"Stages: {outcome.Timings}");
            return 0;
        });
        command.Subcommands.Add(BuildSubmit(context));
        return command;
    }

    private static Command BuildSubmit(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders (read recursively) for the worker to import", Arity = ArgumentArity.OneOrMore };
        var command = new Command("submit", "Queue a bulk import job for 'sleeper worker bulk-import'; prints its id") { name, paths };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, requireOnline: true, cancellationToken: cancel);
            var job = await new BulkImportJobSubmitter(instance.Queue(QueueNames.BulkImport), instance.BulkImportTracker, instance.InputFiles, instance.Time)
                .SubmitAsync(table.Status, result.GetValue(paths)!, cancel);
            context.Out.WriteLine(job.Id);
            return 0;
        });
        return command;
    }

    /// <summary>Runs the import with a live status line on standard error when it is a terminal.</summary>
    private static async Task<BulkImportResult> WithProgress(CliContext context, Func<IProgress<BulkImportProgress>, Task<BulkImportResult>> work)
    {
        if (!context.Interactive)
        {
            return await work(new Progress<BulkImportProgress>(_ => { }));
        }
        var console = Output.Render.ConsoleFor(context.Error, terminal: true);
        BulkImportResult value = null!;
        await console.Status().StartAsync("Bulk importing...", async status =>
        {
            var watch = Stopwatch.StartNew();
            var progress = new Progress<BulkImportProgress>(p =>
            {
                var rate = p.RowsRead / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
                var split = p.PartitionsAddedByPreSplit > 0 ? $", pre-split +{p.PartitionsAddedByPreSplit}" : "";
                status.Status(p.Stage switch
                {
                    BulkImportStage.Sketching => $"Sketching the input to pre-split the table: {p.RowsSketched:N0} rows",
                    BulkImportStage.Reading => $"Reading: {p.RowsRead:N0} rows ({rate:N0} rows/s), {p.LeafPartitions} leaves{split}, {p.SpilledRuns} spilled run(s)",
                    BulkImportStage.Writing => $"Sorting and writing: {p.LeavesWritten}/{p.LeavesToWrite} leaves, {p.RowsRead:N0} rows{split}",
                    _ => $"Committing {p.LeavesToWrite} file(s)",
                });
            });
            value = await work(progress);
        });
        return value;
    }
}
