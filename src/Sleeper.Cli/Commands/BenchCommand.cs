using System.CommandLine;
using System.Diagnostics;
using Sleeper.Cli.Bench;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper bench [--rows N] [--output FILE.md] [--case NAME]...: the benchmark suite, side by side with DuckDB.</summary>
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
        var command = new Command("bench", "Measure writing, ingesting, scanning, looking up and compacting rows, each side by side with DuckDB on the same files")
        {
            rowsOption, outputOption, caseOption, repeatOption, seedOption,
        };
        command.SetAction(async (result, cancel) =>
        {
            var rows = result.GetValue(rowsOption);
            if (rows < LookupKeys)
            {
                throw new UsageException($"--rows {rows}: give at least {LookupKeys}.");
            }
            var cases = result.GetValue(caseOption) is { Length: > 0 } chosen ? chosen.Select(c => c.ToLowerInvariant()).Distinct().ToList() : BenchSuite.CaseNames.ToList();
            if (cases.FirstOrDefault(c => !BenchSuite.CaseNames.Contains(c)) is { } unknown)
            {
                throw new UsageException($"--case {unknown}: the cases are {string.Join(", ", BenchSuite.CaseNames)}.");
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

            var folder = Path.Combine(Path.GetTempPath(), $"sleeper-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
            Directory.CreateDirectory(folder);
            try
            {
                var watch = Stopwatch.StartNew();
                context.Chatter($"Generating {rows:N0} rows into {folder}...");
                var inputs = await BenchInputs.CreateAsync(folder, rows, result.GetValue(seedOption), LookupKeys, cancel);
                var setup = watch.Elapsed;
                var suite = new BenchSuite(folder, inputs, Environment.ProcessorCount, result.GetValue(seedOption), context.Chatter);
                var loadBefore = MachineInfo.LoadAverage();
                var results = new List<CaseResult>();
                foreach (var name in cases)
                {
                    var repetitions = new List<CaseResult>();
                    for (var r = 0; r < repeat; r++)
                    {
                        repetitions.Add(await suite.RunAsync(name, cancel));
                    }
                    results.Add(CaseResult.Best(repetitions));
                }
                var load = $"{loadBefore} before the cases, {MachineInfo.LoadAverage()} after";
                var console = Render.ConsoleFor(context.Out, context.OutputIsTerminal);
                // The notes column is long; wrapping it at 80 columns when piped would make the table unreadable.
                console.Profile.Width = Math.Max(console.Profile.Width, 180);
                console.Write(BenchReport.ConsoleTable(results, rows));
                if (suite.Phases is { } phases)
                {
                    context.Out.WriteLine($"Our ingest, phase by phase: {phases.Describe()}.");
                }
                if (output is not null)
                {
                    var machine = MachineInfo.Current(DuckDbPeer.Version());
                    await File.WriteAllTextAsync(output, BenchReport.Markdown(results, rows, machine, commandLine, suite.Phases, setup, load), cancel);
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
