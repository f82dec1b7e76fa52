using System.CommandLine;
using Sleeper.Cli;
using Sleeper.Cli.Commands;
using Sleeper.Core;

// Workers and the server log every job event, for a fleet to be followed; other commands report on standard output and log
// only warnings and errors, so a script's standard error holds nothing it did not ask for.
using var logging = CliLogging.Create(args.Length > 0 && args[0] is "worker" or "serve" ? Microsoft.Extensions.Logging.LogLevel.Information : Microsoft.Extensions.Logging.LogLevel.Warning);
var context = new CliContext { Logging = logging };
return await SleeperCli.RunAsync(args, context);

namespace Sleeper.Cli
{
    /// <summary>Builds the command tree and runs one command line, mapping failures to exit statuses.</summary>
    public static class SleeperCli
    {
        public static RootCommand Build(CliContext context)
        {
            var root = new RootCommand("Sleeper: a log-structured merge tree key-value store on Parquet files.");
            root.Options.Add(context.InstanceOption);
            root.Options.Add(context.VerboseOption);
            root.Subcommands.Add(InstanceCommands.Build(context));
            root.Subcommands.Add(TableCommands.Build(context));
            root.Subcommands.Add(IngestCommand.Build(context));
            root.Subcommands.Add(BulkImportCommand.Build(context));
            root.Subcommands.Add(QueryCommand.Build(context));
            root.Subcommands.Add(StatusCommand.Build(context));
            root.Subcommands.Add(CompactCommand.Build(context));
            root.Subcommands.Add(GcCommand.Build(context));
            root.Subcommands.Add(SplitCommand.Build(context));
            root.Subcommands.Add(WorkerCommand.Build(context));
            root.Subcommands.Add(GenerateCommand.Build(context));
            root.Subcommands.Add(DemoCommand.Build(context));
            root.Subcommands.Add(BenchCommand.Build(context));
            root.Subcommands.Add(ServicesCommand.Build(context));
            root.Subcommands.Add(UsersCommand.Build(context));
            root.Subcommands.Add(EventsCommand.Build(context));
            root.Subcommands.Add(JobsCommand.Build(context));
            root.Subcommands.Add(ServeCommand.Build(context));
            return root;
        }

        public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
        {
            var root = Build(context);
            var result = root.Parse(args);
            if (result.Errors.Count > 0)
            {
                foreach (var error in result.Errors)
                {
                    await context.Error.WriteLineAsync(error.Message);
                }
                await context.Error.WriteLineAsync($"Run '{string.Join(' ', ["sleeper", .. CommandPath(result)])} --help' for usage.");
                return 2;
            }
            var verbose = result.GetValue(context.VerboseOption);
            try
            {
                var config = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
                return await result.InvokeAsync(config, cancellationToken);
            }
            catch (UsageException e)
            {
                await context.Error.WriteLineAsync(verbose ? e.ToString() : e.Message);
                return 2;
            }
            catch (SleeperException e)
            {
                await context.Error.WriteLineAsync(verbose ? e.ToString() : e.Message);
                return 1;
            }
            catch (OperationCanceledException)
            {
                await context.Error.WriteLineAsync("Cancelled.");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync(verbose ? e.ToString() : e.Message);
                return 1;
            }
            catch (Exception e)
            {
                await context.Error.WriteLineAsync(verbose ? e.ToString() : $"Failed: {e.Message} (run with --verbose for details)");
                return 1;
            }
        }

        private static IEnumerable<string> CommandPath(ParseResult result)
        {
            var names = new List<string>();
            for (var r = result.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            {
                names.Insert(0, r.Command.Name);
            }
            return names;
        }
    }
}
