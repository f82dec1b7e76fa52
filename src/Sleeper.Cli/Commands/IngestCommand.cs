using System.CommandLine;
using System.Diagnostics;
using Sleeper.Core.Properties;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Spectre.Console;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper ingest NAME PATH... [--format parquet|csv|jsonl]: ingest now, in this process.</summary>
public static class IngestCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders (read recursively); - for standard input", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string?>("--format") { Description = "parquet, csv or jsonl (default: by extension; jsonl for standard input)" };
        format.AcceptOnlyFromAmong(IngestInputs.Formats);
        var command = new Command("ingest", "Ingest rows from JSON lines, CSV or Parquet files now, in this process") { name, paths, format };
        command.Subcommands.Add(IngestSubmitCommand.Build(context));
        command.Subcommands.Add(IngestBatchCommand.Build(context));
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, requireOnline: true, cancellationToken: cancel);
            var inputs = await IngestInputs.ResolveAsync(result.GetValue(paths)!, result.GetValue(format), instance.InputFiles, cancellationToken: cancel);
            var watch = Stopwatch.StartNew();
            var outcome = await WithProgress(context, "Ingesting", progress =>
                new IngestRunner(table, instance.Properties.Get(InstanceProperty.IngestScratchFolder)).IngestAsync(inputs, progress, cancel));
            var seconds = watch.Elapsed.TotalSeconds;
            context.Out.WriteLine($"Ingested {outcome.RowsWritten:N0} rows into {table.Name}: {outcome.FilesWritten} file(s), " +
                $"{outcome.References.Count} file reference(s), in {seconds:F2} s ({outcome.RowsWritten / Math.Max(seconds, 1e-9):N0} rows/s)");
            if (outcome.Statistics is { } stats)
            {
                context.Chatter($"Read and sorted in {stats.ReadAndSort.TotalSeconds:F2} s, merged and wrote in {stats.MergeAndWrite.TotalSeconds:F2} s; " +
                    $"spilled {stats.SpilledRuns} sorted run(s), {stats.SpilledBytes / 1048576.0:N1} MiB, to local scratch (memory budget {table.Properties.Get(TableProperty.IngestMemoryBytes)}).");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Runs work with a live row counter on standard error when it is a terminal.</summary>
    public static async Task<T> WithProgress<T>(CliContext context, string label, Func<IProgress<long>, Task<T>> work)
    {
        if (!context.Interactive)
        {
            return await work(new Progress<long>(_ => { }));
        }
        var console = Output.Render.ConsoleFor(context.Error, terminal: true);
        T value = default!;
        await console.Status().StartAsync($"{label}...", async status =>
        {
            var watch = Stopwatch.StartNew();
            var progress = new Progress<long>(rows =>
                status.Status($"{label}: {rows:N0} rows ({rows / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):N0} rows/s)"));
            value = await work(progress);
        });
        return value;
    }
}
