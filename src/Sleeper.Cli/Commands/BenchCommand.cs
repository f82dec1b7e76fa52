using System.CommandLine;
using System.Diagnostics;
using Sleeper.Cli.Bench;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper bench [--rows N] [--output FILE.md] [--case NAME]... [--backend embedded|services]: the benchmark suite,
/// side by side with DuckDB and, with the services, ours on the S3 server and PostgreSQL beside ours embedded.
/// </summary>
public static class BenchCommand
{
    private const int LookupKeys = 100;

    public static Command Build(CliContext context)
    {
        var rowsOption = new Option<long>("--rows") { Description = "How many rows of the standard schema to generate", DefaultValueFactory = _ => 1_000_000 };
        var outputOption = new Option<string?>("--output") { Description = "Also write the results as Markdown to this file" };
        var caseOption = new Option<string[]>("--case")
        {
            Description = $"Run only these cases ({string.Join(", ", BenchSuite.CaseNames)}); repeatable. Default: all",
            AllowMultipleArgumentsPerToken = false,
        };
        var repeatOption = new Option<int>("--repeat") { Description = "Run each case this many times and report each side's fastest run", DefaultValueFactory = _ => 1 };
        var seedOption = new Option<int>("--seed") { Description = "Seed of the generated rows", DefaultValueFactory = _ => 42 };
        var backendOption = new Option<string>("--backend")
        {
            Description = "embedded (the default), or services: also run " + string.Join(", ", BenchSuite.ServicesCaseNames) + " on an instance in the S3 server and PostgreSQL " +
                "named by SLEEPER_S3_ENDPOINT and SLEEPER_POSTGRES (else the local services, started if need be), beside the embedded instance; " +
                "then only those cases run unless --case names others",
            DefaultValueFactory = _ => "embedded",
        };
        var commitsOption = new Option<int>("--commits") { Description = "State store commits per backend and committer count in the commits case", DefaultValueFactory = _ => BenchSuite.DefaultCommits };
        var command = new Command("bench", "Measure writing, ingesting, scanning, looking up and compacting rows, each side by side with DuckDB on the same files, and on services beside the embedded instance")
        {
            rowsOption, outputOption, caseOption, repeatOption, seedOption, backendOption, commitsOption,
        };
        command.SetAction(async (result, cancel) =>
        {
            var rows = result.GetValue(rowsOption);
            if (rows < LookupKeys)
            {
                throw new UsageException($"--rows {rows}: give at least {LookupKeys}.");
            }
            var backend = result.GetValue(backendOption)?.ToLowerInvariant();
            if (backend is not ("embedded" or "services"))
            {
                throw new UsageException($"--backend {backend}: give embedded or services.");
            }
            var onServices = backend == "services";
            var cases = result.GetValue(caseOption) is { Length: > 0 } chosen
                ? chosen.Select(c => c.ToLowerInvariant()).Distinct().ToList()
                : (onServices ? BenchSuite.ServicesCaseNames : BenchSuite.CaseNames.Except(BenchSuite.ServicesOnlyCaseNames)).ToList();
            if (cases.FirstOrDefault(c => !BenchSuite.CaseNames.Contains(c)) is { } unknown)
            {
                throw new UsageException($"--case {unknown}: the cases are {string.Join(", ", BenchSuite.CaseNames)}.");
            }
            if (!onServices && cases.FirstOrDefault(BenchSuite.ServicesOnlyCaseNames.Contains) is { } needsServices)
            {
                throw new UsageException($"--case {needsServices} compares the embedded backend with PostgreSQL: add --backend services.");
            }
            var commits = result.GetValue(commitsOption);
            if (commits < 8)
            {
                throw new UsageException($"--commits {commits}: give at least 8 (the commits case runs 1 and 8 committers).");
            }
            var repeat = result.GetValue(repeatOption);
            if (repeat < 1)
            {
                throw new UsageException($"--repeat {repeat}: give at least 1.");
            }
            // Run in suite order whatever order they were named in: scan and lookup read the table ingest made.
            cases = BenchSuite.CaseNames.Where(cases.Contains).ToList();
            var output = result.GetValue(outputOption);
            // From the parsed tokens, not the process's arguments: the host process may not be the sleeper program.
            var commandLine = "./sleeper " + string.Join(' ', result.Tokens.Select(t => t.Value.Contains(' ', StringComparison.Ordinal) ? $"'{t.Value}'" : t.Value));

            await using var services = onServices ? await ServicesBackend.OpenAsync(context.ServicesLayout, context.Chatter, cancel) : null;
            var folder = Path.Combine(Path.GetTempPath(), $"sleeper-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
            Directory.CreateDirectory(folder);
            try
            {
                var watch = Stopwatch.StartNew();
                context.Chatter($"Generating {rows:N0} rows into {folder}...");
                var inputs = await BenchInputs.CreateAsync(folder, rows, result.GetValue(seedOption), LookupKeys, cancel);
                var setup = watch.Elapsed;
                var suite = new BenchSuite(folder, inputs, Environment.ProcessorCount, result.GetValue(seedOption), context.Chatter, services, commits);
                var loadBefore = MachineInfo.LoadAverage();
                var results = new List<CaseResult>();
                foreach (var name in cases)
                {
                    var repetitions = new List<IReadOnlyList<CaseResult>>();
                    for (var r = 0; r < repeat; r++)
                    {
                        repetitions.Add(await suite.RunAsync(name, cancel));
                    }
                    results.AddRange(CaseResult.BestOfEach(repetitions));
                }
                var load = $"{loadBefore} before the cases, {MachineInfo.LoadAverage()} after";
                var console = Render.ConsoleFor(context.Out, context.OutputIsTerminal);
                // The notes column is long; wrapping it at 80 columns when piped would make the table unreadable.
                console.Profile.Width = Math.Max(console.Profile.Width, 180);
                console.Write(BenchReport.ConsoleTable(results, rows, suite.Requests));
                if (suite.Phases is { } phases)
                {
                    context.Out.WriteLine($"Our ingest, phase by phase: {phases.Describe()}.");
                }
                if (output is not null)
                {
                    var machine = MachineInfo.Current(DuckDbPeer.Version());
                    await File.WriteAllTextAsync(output, BenchReport.Markdown(results, rows, machine, commandLine, suite.Phases, setup, load, suite.Requests, services?.Servers), cancel);
                    context.Chatter($"Wrote {output}.");
                }
                return 0;
            }
            finally
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException e)
                {
                    context.Error.WriteLine($"Could not delete the benchmark folder {folder}: {e.Message}");
                }
            }
        });
        return command;
    }
}
