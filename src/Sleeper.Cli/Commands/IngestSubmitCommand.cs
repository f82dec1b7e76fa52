using System.CommandLine;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Ingest;
using Sleeper.Jobs;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper ingest submit NAME PATH...: queue an ingest job for a worker (sleeper worker ingest) to run.</summary>
public static class IngestSubmitCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var paths = new Argument<string[]>("PATH") { Description = "Parquet, CSV or JSON lines files, or folders (read recursively)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("submit", "Queue an ingest job; 'sleeper worker ingest' runs it. Prints the job id") { name, paths };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.GetTableStatusAsync(result.GetValue(name)!, cancel);
            var given = result.GetValue(paths)!;
            if (given.Contains("-"))
            {
                throw new UsageException("An ingest job reads files, not standard input; use 'sleeper ingest NAME -' to ingest standard input now.");
            }
            // Absolute, because the worker may run anywhere; resolved now so a missing file or unknown format is
            // reported here rather than by the worker later.
            var job = await new IngestJobSubmitter(instance.Queue(QueueNames.Ingest), instance.IngestTracker, instance.InputFiles, instance.Time).SubmitAsync(table, given, cancel);
            context.Chatter($"Queued ingest job for table {table.TableName} with {job.Files.Count} path(s); run it with 'sleeper worker ingest'.");
            context.Out.WriteLine(job.Id);
            return 0;
        });
        return command;
    }
}
